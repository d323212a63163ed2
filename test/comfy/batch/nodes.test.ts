/** `nodes:` entries: pinned registry ids and git URLs, pip requirements, and one-line errors naming the entry. */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { loadBatch } from '../../../src/comfy/batch/load';
import { parseNodeSource } from '../../../src/comfy/batch/nodes';
import { bundledObjectInfo } from '../../../src/comfy/workflow/object-info';

const EXAMPLES = path.join(__dirname, '..', '..', '..', 'examples');

function load(nodes: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-nodes-batch-'));
  fs.copyFileSync(path.join(EXAMPLES, 'sd15-txt2img.api.json'), path.join(dir, 'wf.json'));
  fs.writeFileSync(path.join(dir, 'b.yaml'), `nodes:\n${nodes}workflows:\n  - path: wf.json\n`);
  return loadBatch(path.join(dir, 'b.yaml'), bundledObjectInfo());
}

test.each([
  ['comfyui-kjnodes@1.1.0', { name: 'comfyui-kjnodes', kind: 'registry', source: 'comfyui-kjnodes', ref: '1.1.0' }],
  ['https://github.com/kijai/ComfyUI-KJNodes@v1.1.0', { name: 'ComfyUI-KJNodes', kind: 'git', source: 'https://github.com/kijai/ComfyUI-KJNodes', ref: 'v1.1.0' }],
  ['https://github.com/owner/Pack.git@3f2c9e1', { name: 'Pack', kind: 'git', source: 'https://github.com/owner/Pack.git', ref: '3f2c9e1' }],
  ['git@github.com:owner/pack.git@main', { name: 'pack', kind: 'git', source: 'git@github.com:owner/pack.git', ref: 'main' }],
  ['file:///srv/git/Local-Pack.git@v2', { name: 'Local-Pack', kind: 'git', source: 'file:///srv/git/Local-Pack.git', ref: 'v2' }],
])('%s is understood', (text, want) => {
  expect(parseNodeSource(text)).toEqual(want);
});

test.each(['https://github.com/o/p@-c', 'comfyui-kjnodes', 'https://github.com/kijai/ComfyUI-KJNodes', 'git@github.com:owner/pack.git', 'kjnodes@latest', '../evil@1.0'])('%s is refused (not pinned, or not a pack)', (text) => {
  expect(parseNodeSource(text)).toBeUndefined();
});

test('a batch lists packs with optional pip requirements', () => {
  const b = load('  - comfyui-kjnodes@1.1.0\n  - source: https://github.com/owner/Pack@v1\n    pip: [rembg==2.0.59]\n');
  expect(b.nodes).toEqual([
    { name: 'comfyui-kjnodes', kind: 'registry', source: 'comfyui-kjnodes', ref: '1.1.0', pip: [] },
    { name: 'Pack', kind: 'git', source: 'https://github.com/owner/Pack', ref: 'v1', pip: ['rembg==2.0.59'] },
  ]);
});

test('an unpinned pack, a pip option and a pack listed twice are refused with their place in the file', () => {
  expect(() => load('  - https://github.com/owner/Pack\n')).toThrow(/nodes\[0\]: .*git URL@ref/);
  expect(() => load('  - source: https://github.com/owner/Pack@v1\n    pip: ["--index-url=http://evil"]\n')).toThrow(/nodes\[0\]\.pip\[0\]: must be a pip requirement/);
  expect(() => load('  - https://github.com/a/Pack@v1\n  - https://github.com/b/Pack@v2\n')).toThrow(/nodes\[1\]: installs into custom_nodes\/Pack, as nodes\[0\] does/);
});
