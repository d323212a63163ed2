/**
 * What refuses a run before renting: custom-node classes when the batch lists no node packs (one line naming the
 * classes and the packs the UI workflows name), and nothing more when `nodes:` lists them (the machine decides).
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { formatBatchProblem, validateBatch } from '../../../src/comfy/batch/check';
import { expandBatch } from '../../../src/comfy/batch/expand';
import { BatchFileError, loadBatch } from '../../../src/comfy/batch/load';
import { bundledObjectInfo } from '../../../src/comfy/workflow/object-info';

const info = bundledObjectInfo();

/** EmptyImage → a custom blur → SaveImage, as an API prompt. */
const customPrompt = {
  '1': { class_type: 'EmptyImage', inputs: { width: 64, height: 64, batch_size: 1, color: 0 } },
  '2': { class_type: 'KJBlurFancy', inputs: { image: ['1', 0], radius: 3 } },
  '3': { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'x' } },
};

function batchDir(yaml: string, files: Record<string, unknown>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-check-'));
  for (const [name, json] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), JSON.stringify(json));
  fs.writeFileSync(path.join(dir, 'batch.yaml'), yaml);
  return path.join(dir, 'batch.yaml');
}

test('a custom class and no nodes: one problem naming the class and saying where to list its pack', () => {
  const file = batchDir('workflows:\n  - path: wf.json\n', { 'wf.json': customPrompt });
  const batch = loadBatch(file, info);
  const problems = validateBatch(batch, expandBatch(batch, info), info);
  expect(problems).toHaveLength(1);
  expect(problems[0]).toMatchObject({ type: 'node_packs_not_listed', classType: 'KJBlurFancy' });
  expect(formatBatchProblem(problems[0])).toBe('KJBlurFancy is not a core node of ComfyUI v0.3.64: list the node pack under nodes: in the batch file so the machine installs it');
});

test('with nodes: listed, the custom class is left to the machine’s live check', () => {
  const file = batchDir('nodes:\n  - comfyui-kjnodes@1.1.0\nworkflows:\n  - path: wf.json\n', { 'wf.json': customPrompt });
  const batch = loadBatch(file, info);
  expect(validateBatch(batch, expandBatch(batch, info), info)).toEqual([]);
});

test('definite errors still refuse with nodes: listed', () => {
  const broken = { ...customPrompt, '3': { class_type: 'SaveImage', inputs: { images: ['9', 0], filename_prefix: 'x' } } };
  const file = batchDir('nodes:\n  - comfyui-kjnodes@1.1.0\nworkflows:\n  - path: wf.json\n', { 'wf.json': broken });
  const batch = loadBatch(file, info);
  const problems = validateBatch(batch, expandBatch(batch, info), info);
  expect(problems.map((p) => p.type)).toEqual(['bad_linked_input']);
  expect(problems[0].promptId).toMatch(/^wf-[0-9a-f]{12}$/);
});

test('a UI workflow naming its packs: the load error names each custom class with its pack', () => {
  const ui = {
    version: 0.4,
    links: [[1, 1, 0, 2, 0, 'IMAGE'], [2, 2, 0, 3, 0, 'IMAGE']],
    nodes: [
      { id: 1, type: 'EmptyImage', inputs: [], outputs: [{ name: 'IMAGE', type: 'IMAGE', links: [1] }], widgets_values: [64, 64, 1, 0], properties: { cnr_id: 'comfy-core', ver: '0.3.64' }, mode: 0 },
      { id: 2, type: 'KJBlurFancy', inputs: [{ name: 'image', type: 'IMAGE', link: 1 }], outputs: [{ name: 'IMAGE', type: 'IMAGE', links: [2] }], widgets_values: [3], properties: { cnr_id: 'comfyui-kjnodes', ver: '1.1.0' }, mode: 0 },
      { id: 3, type: 'SaveImage', inputs: [{ name: 'images', type: 'IMAGE', link: 2 }], outputs: [], widgets_values: ['x'], properties: { cnr_id: 'comfy-core' }, mode: 0 },
    ],
  };
  const file = batchDir('workflows:\n  - path: wf.ui.json\n', { 'wf.ui.json': ui });
  let err: unknown;
  try {
    loadBatch(file, info);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(BatchFileError);
  expect((err as BatchFileError).errors).toEqual([
    { path: 'workflows[0].path', message: expect.stringMatching(/^uses node classes that are not core nodes of ComfyUI v0\.3\.64: KJBlurFancy \(pack comfyui-kjnodes\); .*list the packs under nodes:$/) },
  ]);
});

test('the packs a workflow names appear in the refusal of a batch that lists none', () => {
  const file = batchDir('workflows:\n  - path: wf.json\n', { 'wf.json': customPrompt });
  const batch = loadBatch(file, info);
  // As loadBatch records them from a UI workflow's node properties (converted against a server that had the pack).
  batch.workflows[0].packs = new Map([['KJBlurFancy', 'comfyui-kjnodes']]);
  const [problem] = validateBatch(batch, expandBatch(batch, info), info);
  expect(formatBatchProblem(problem)).toBe('KJBlurFancy is not a core node of ComfyUI v0.3.64; the workflows name the pack comfyui-kjnodes: list the node pack under nodes: in the batch file so the machine installs it');
});
