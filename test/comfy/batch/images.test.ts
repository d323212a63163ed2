/**
 * `images:` feeding several LoadImage nodes: a folder (one prompt per image) and fixed files (the same image in every
 * prompt), on the real unCLIP 2-pass example, which loads two images. Every prompt uploads what it loads.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { BatchFileError } from '../../../src/comfy/batch/load';
import { prepareBatch, validateBatch } from '../../../src/comfy/batch/expand';
import { MODEL_INPUTS } from '../../../src/comfy/model-folders';
import type { ApiPrompt } from '../../../src/comfy/types';
import { convertUiToApi } from '../../../src/comfy/workflow/convert';
import { bundledObjectInfo } from '../../../src/comfy/workflow/object-info';
import { EXAMPLES, FIXTURES } from '../helpers';

const info = bundledObjectInfo();
let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-images-'));
  fs.copyFileSync(path.join(FIXTURES, 'workflows', 'unclip__unclip_2pass.png.ui.json'), path.join(dir, 'unclip.json'));
  fs.mkdirSync(path.join(dir, 'subjects'));
  for (const f of ['harbour.png', 'lighthouse.png']) fs.copyFileSync(path.join(EXAMPLES, 'inputs', f), path.join(dir, 'subjects', f));
  fs.copyFileSync(path.join(EXAMPLES, 'inputs', 'harbour.png'), path.join(dir, 'sunset.png'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A batch of the unCLIP workflow with these `images:` lines (and every model it loads scheduled). */
function batch(images: string[]): string {
  const file = path.join(dir, 'batch.yaml');
  const ui = JSON.parse(fs.readFileSync(path.join(dir, 'unclip.json'), 'utf8'));
  const converted = convertUiToApi(ui, info) as unknown as { prompt?: ApiPrompt };
  const loads = new Map<string, string>();
  for (const node of Object.values((converted.prompt ?? converted) as ApiPrompt)) {
    for (const [input, value] of Object.entries(node.inputs)) {
      const folder = MODEL_INPUTS[`${node.class_type}.${input}`];
      if (folder && typeof value === 'string') loads.set(value, folder);
    }
  }
  const models = [...loads].map(([name, folder]) => `  - url: https://example.org/${name}\n    folder: ${folder}`);
  fs.writeFileSync(file, ['output: out', 'models:', ...models, 'workflows:', '  - path: unclip.json', ...images].join('\n'));
  return file;
}

function errorsOf(file: string): string[] {
  try {
    prepareBatch(file, info);
  } catch (err) {
    expect(err).toBeInstanceOf(BatchFileError);
    return (err as BatchFileError).errors.map((e) => `${e.path}: ${e.message}`);
  }
  throw new Error('expected a BatchFileError');
}

test('a folder for one LoadImage and a fixed file for the other: one prompt per folder image, each with both uploads', () => {
  const { batch: loaded, prompts } = prepareBatch(batch(['    images:', '      - folder: subjects', '        node: 34', '      - file: sunset.png', '        node: 38']), info);
  expect(prompts).toHaveLength(2);
  const fixed = prompts.map((p) => p.prompt['38'].inputs.image);
  expect(new Set(fixed).size).toBe(1);
  expect(fixed[0]).toMatch(/^gpuburst-[0-9a-f]{10}-sunset\.png$/);
  expect(prompts.map((p) => p.prompt['34'].inputs.image)).toEqual([expect.stringMatching(/-harbour\.png$/), expect.stringMatching(/-lighthouse\.png$/)]);
  for (const p of prompts) expect(p.uploads!.map((u) => u.name).sort()).toEqual([p.prompt['34'].inputs.image, p.prompt['38'].inputs.image].sort());
  // Before this, the second LoadImage could only be refused: nothing uploaded sunset.png.
  expect(validateBatch(loaded, prompts, info)).toEqual([]);
});

test('two folders: every combination', () => {
  fs.mkdirSync(path.join(dir, 'styles'));
  fs.copyFileSync(path.join(dir, 'sunset.png'), path.join(dir, 'styles', 'a.png'));
  fs.copyFileSync(path.join(EXAMPLES, 'inputs', 'lighthouse.png'), path.join(dir, 'styles', 'b.png'));
  const { prompts } = prepareBatch(batch(['    images:', '      - folder: subjects', '        node: 34', '      - folder: styles', '        node: 38']), info);
  expect(prompts).toHaveLength(4);
});

test('the one-entry form still picks the only LoadImage; several loaders or entries need node:, each node once', () => {
  expect(errorsOf(batch(['    images:', '      folder: subjects']))).toEqual(['workflows[0].images.folder: unclip.json has 2 LoadImage nodes (34, 38); say which one with node:']);
  expect(errorsOf(batch(['    images:', '      - folder: subjects', '        node: 34', '      - file: sunset.png']))).toEqual([
    'workflows[0].images[1].file: unclip.json has 2 LoadImage nodes (34, 38); say which one with node:',
  ]);
  expect(errorsOf(batch(['    images:', '      - folder: subjects', '        node: 34', '      - file: sunset.png', '        node: 34']))).toEqual(['workflows[0].images[1].node: node 34 is already fed by workflows[0].images[0]']);
});

test('an entry needs exactly one of folder and file, and a file must be an image that exists', () => {
  expect(errorsOf(batch(['    images:', '      - folder: subjects', '        file: sunset.png', '        node: 34']))).toEqual([
    'workflows[0].images[0]: needs folder: (one prompt per image in it) or file: (the same image in every prompt), not both',
  ]);
  expect(errorsOf(batch(['    images:', '      - file: nowhere.png', '        node: 38']))[0]).toMatch(/^workflows\[0\]\.images\[0\]\.file: cannot read .*nowhere\.png \(ENOENT\)$/);
  expect(errorsOf(batch(['    images:', '      - file: batch.yaml', '        node: 38']))[0]).toMatch(/^workflows\[0\]\.images\[0\]\.file: .*batch\.yaml is not an image/);
});
