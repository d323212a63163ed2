/**
 * Models a UI workflow links to (ComfyUI templates carry a URL and a folder for each): placed when the workflow
 * loads them and the batch file's `models:` does not list them, so a template runs with no `models:` at all.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { prepareBatch, validateBatch } from '../../../src/comfy/batch/expand';
import { convertUiToApi } from '../../../src/comfy/workflow/convert';
import { embeddedModels } from '../../../src/comfy/workflow/embedded-models';
import { bundledObjectInfo } from '../../../src/comfy/workflow/object-info';
import { FIXTURES } from '../helpers';

const info = bundledObjectInfo();
const WORKFLOWS = path.join(FIXTURES, 'workflows');
const read = (file: string) => JSON.parse(fs.readFileSync(path.join(WORKFLOWS, file), 'utf8'));
const SD15 = 'https://huggingface.co/Comfy-Org/stable-diffusion-v1-5-archive/resolve/main/v1-5-pruned-emaonly-fp16.safetensors?download=true';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-workflow-models-'));
  fs.copyFileSync(path.join(WORKFLOWS, 'templates__default.ui.json'), path.join(dir, 'default.json'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function batch(lines: string[]): string {
  const file = path.join(dir, 'batch.yaml');
  fs.writeFileSync(file, ['output: out', ...lines, 'workflows:', '  - path: default.json', '    repeat: 2'].join('\n'));
  return file;
}

test("the real templates' links: on the loader node (default template) and at the top (HunyuanVideo i2v)", () => {
  const ui = read('templates__default.ui.json');
  expect(embeddedModels(ui, convertUiToApi(ui, info) as never)).toEqual([{ name: 'v1-5-pruned-emaonly-fp16.safetensors', url: SD15, folder: 'checkpoints' }]);
  // Only what a node of the prompt loads: the prompt here names two of the five linked files.
  const prompt = { '1': { class_type: 'UNETLoader', inputs: { unet_name: 'hunyuan_video_image_to_video_720p_bf16.safetensors', weight_dtype: 'default' } }, '2': { class_type: 'VAELoader', inputs: { vae_name: 'hunyuan_video_vae_bf16.safetensors' } } };
  expect(embeddedModels(read('hunyuan_video__hunyuan_video_image_to_video.json.ui.json'), prompt).map((m) => `${m.folder}/${m.name}`)).toEqual(['vae/hunyuan_video_vae_bf16.safetensors', 'diffusion_models/hunyuan_video_image_to_video_720p_bf16.safetensors']);
});

test('a batch with no models: takes the template’s link, and its prompts pass the check before renting', () => {
  const { batch: loaded, prompts } = prepareBatch(batch([]), info);
  expect(loaded.models).toEqual([{ url: SD15, folder: 'checkpoints', name: 'v1-5-pruned-emaonly-fp16.safetensors', fromWorkflow: 'default' }]);
  expect(validateBatch(loaded, prompts, info)).toEqual([]);
});

test("the batch file's own entry wins; workflowModels: false takes none (and the check names the missing model)", () => {
  const mine = 'https://example.org/mirror/v1-5-pruned-emaonly-fp16.safetensors';
  const listed = prepareBatch(batch(['models:', `  - url: ${mine}`, '    folder: checkpoints']), info).batch;
  expect(listed.models).toEqual([{ url: mine, folder: 'checkpoints', name: 'v1-5-pruned-emaonly-fp16.safetensors' }]);

  const off = prepareBatch(batch(['workflowModels: false']), info);
  expect(off.batch.models).toEqual([]);
  expect(validateBatch(off.batch, off.prompts, info).map((p) => p.message)).toEqual([expect.stringContaining("model 'v1-5-pruned-emaonly-fp16.safetensors' is not on the server")]);
});

test('a link the batch file could not hold (not http(s), or a path for a name) is left out', () => {
  const ui = read('templates__default.ui.json');
  const loader = ui.nodes.find((n: { type: string }) => n.type === 'CheckpointLoaderSimple');
  loader.properties.models = [{ name: 'v1-5-pruned-emaonly-fp16.safetensors', url: 'file:///etc/passwd', directory: 'checkpoints' }];
  fs.writeFileSync(path.join(dir, 'default.json'), JSON.stringify(ui));
  expect(prepareBatch(batch([]), info).batch.models).toEqual([]);
});
