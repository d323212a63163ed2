/**
 * Pre-flight validation against the bundled snapshot: every problem listed with node id and class.
 */
import type { ApiPrompt } from '../../../src/comfy/types';
import { bundledObjectInfo } from '../../../src/comfy/workflow/object-info';
import { errorsOnly, validateApiPrompt } from '../../../src/comfy/workflow/validate';
import { SD15, sd15Prompt } from '../helpers';

const objectInfo = bundledObjectInfo();
const scheduled = new Map([['checkpoints', new Set([SD15])]]);

test('the SD1.5 example: a batch run needs its checkpoint scheduled; a lone workflow offline only warns', () => {
  expect(validateApiPrompt(sd15Prompt(), { objectInfo, scheduledModels: scheduled, requireFiles: true })).toEqual([]);
  const problems = validateApiPrompt(sd15Prompt(), { objectInfo, requireFiles: true });
  expect(problems).toEqual([expect.objectContaining({ nodeId: '4', classType: 'CheckpointLoaderSimple', type: 'value_not_in_list', inputName: 'ckpt_name' })]);
  expect(problems[0].message).toMatch(/v1-5-pruned-emaonly-fp16.safetensors.*not scheduled for download/);
  const lone = validateApiPrompt(sd15Prompt(), { objectInfo });
  expect(errorsOnly(lone)).toEqual([]);
  expect(lone).toEqual([expect.objectContaining({ nodeId: '4', severity: 'warning', type: 'model_not_scheduled' })]);
});

test('every problem is listed, not only the first: unknown class, missing input, range, combo, bad link, type mismatch', () => {
  const p: ApiPrompt = sd15Prompt();
  p['12'] = { class_type: 'FooNode', inputs: {} };
  delete p['6'].inputs.text; // required_input_missing
  p['3'].inputs.steps = 0; // below min 1
  p['3'].inputs.sampler_name = 'not-a-sampler';
  p['3'].inputs.cfg = 'lots';
  p['8'].inputs.vae = ['4', 7]; // CheckpointLoaderSimple has 3 outputs
  p['10'] = { class_type: 'SaveImage', inputs: { filename_prefix: 'x', images: ['5', 0] } }; // LATENT into IMAGE
  p['7'].inputs.clip = ['99', 0]; // no such node
  const problems = validateApiPrompt(p, { objectInfo, scheduledModels: scheduled });
  const summary = problems.map((x) => `${x.nodeId} ${x.classType} ${x.type} ${x.inputName ?? ''}${x.severity ? ` (${x.severity})` : ''}`.trim()).sort();
  expect(summary).toEqual(
    [
      '12 FooNode unknown_node_class  (warning)',
      '3 KSampler invalid_input_type cfg',
      '3 KSampler value_not_in_list sampler_name',
      '3 KSampler value_smaller_than_min steps',
      '6 CLIPTextEncode required_input_missing text',
      '7 CLIPTextEncode bad_linked_input clip',
      '8 VAEDecode bad_linked_input vae',
      '10 SaveImage return_type_mismatch images',
    ].sort(),
  );
});

test('a prompt without an output node, and a UI-format file posted as a prompt, are reported', () => {
  const p = sd15Prompt();
  delete p['9'];
  expect(validateApiPrompt(p, { objectInfo })).toEqual([expect.objectContaining({ type: 'prompt_no_outputs' })]);
  const ui = { nodes: [], links: [] } as unknown as ApiPrompt;
  expect(validateApiPrompt(ui, { objectInfo }).map((x) => x.type)).toEqual(['invalid_prompt', 'invalid_prompt']);
});

test('LoadImage accepts what the server has (example.png) or the batch uploads; nodes unreachable from outputs are not checked', () => {
  const p = sd15Prompt();
  p['20'] = { class_type: 'LoadImage', inputs: { image: 'mine.png' } };
  p['21'] = { class_type: 'VAEEncode', inputs: { pixels: ['20', 0], vae: ['4', 2] } };
  p['3'].inputs.latent_image = ['21', 0];
  expect(validateApiPrompt(p, { objectInfo, scheduledModels: scheduled, requireFiles: true }).map((x) => `${x.nodeId} ${x.message}`)).toEqual([
    "20 image: 'mine.png' is not in the server's input folder and not uploaded by the batch file",
  ]);
  expect(validateApiPrompt(p, { objectInfo, scheduledModels: scheduled, uploads: new Set(['mine.png']) })).toEqual([]);
  p['20'].inputs.image = 'example.png';
  p['30'] = { class_type: 'KSampler', inputs: {} }; // not connected to any output: ComfyUI ignores it
  expect(validateApiPrompt(p, { objectInfo, scheduledModels: scheduled })).toEqual([]);
});

test('offline, a custom node is a warning naming its node pack; against a server it refuses', () => {
  const p = sd15Prompt();
  p['20'] = { class_type: 'VHS_VideoCombine', inputs: { images: ['8', 0] } };
  const offline = validateApiPrompt(p, { objectInfo, scheduledModels: scheduled });
  expect(offline).toEqual([expect.objectContaining({ nodeId: '20', type: 'unknown_node_class', severity: 'warning' })]);
  expect(offline[0].message).toMatch(/not a core node of ComfyUI v0\.3\.64: list its node pack/);
  const server = validateApiPrompt(p, { objectInfo, scheduledModels: scheduled, mode: 'server' });
  expect(errorsOnly(server)).toEqual([expect.objectContaining({ nodeId: '20', type: 'unknown_node_class' })]);
});

test('cycles, empty node ids, numeric link ids and booleans in INT widgets are definite errors', () => {
  const cyc = sd15Prompt();
  cyc['3'].inputs.latent_image = ['10', 0];
  cyc['10'] = { class_type: 'LatentUpscaleBy', inputs: { samples: ['3', 0], upscale_method: 'nearest-exact', scale_by: 1.5 } };
  expect(errorsOnly(validateApiPrompt(cyc, { objectInfo, scheduledModels: scheduled }))).toEqual([expect.objectContaining({ type: 'dependency_cycle' })]);
  const empty = sd15Prompt();
  empty[''] = { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 0 } };
  expect(errorsOnly(validateApiPrompt(empty, { objectInfo, scheduledModels: scheduled })).map((x) => x.message)).toEqual([expect.stringMatching(/empty id/)]);
  const numeric = sd15Prompt();
  (numeric['8'].inputs as Record<string, unknown>).vae = [4, 2];
  expect(errorsOnly(validateApiPrompt(numeric, { objectInfo, scheduledModels: scheduled }))).toEqual([expect.objectContaining({ nodeId: '8', type: 'bad_linked_input' })]);
  const shifted = sd15Prompt();
  shifted['3'].inputs.steps = true;
  expect(errorsOnly(validateApiPrompt(shifted, { objectInfo, scheduledModels: scheduled }))).toEqual([expect.objectContaining({ nodeId: '3', type: 'invalid_input_type', inputName: 'steps' })]);
});

/** EmptyImage → `inverts` × ImageInvert → SaveImage: a chain of inverts + 2 nodes. */
function chain(inverts: number): ApiPrompt {
  const p: ApiPrompt = { '1': { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 0 } } };
  for (let i = 2; i <= inverts + 1; i++) p[String(i)] = { class_type: 'ImageInvert', inputs: { image: [String(i - 1), 0] } };
  p[String(inverts + 2)] = { class_type: 'SaveImage', inputs: { images: [String(inverts + 1), 0], filename_prefix: 'deep/x' } };
  return p;
}

test('links nested deeper than ComfyUI validates are refused at the output, in one problem (real 0.3.64: 985 nodes pass, 986 fail)', () => {
  expect(errorsOnly(validateApiPrompt(chain(983), { objectInfo }))).toEqual([]);
  expect(errorsOnly(validateApiPrompt(chain(984), { objectInfo }))).toEqual([
    expect.objectContaining({ nodeId: '986', classType: 'SaveImage', type: 'link_depth', message: expect.stringMatching(/^links nest 986 nodes deep from this output; ComfyUI v0\.3\.64 refuses chains longer than 985 nodes/) }),
  ]);
  // A hostile depth is the same one problem, not a stack overflow (it was an internal error, exit 70).
  expect(errorsOnly(validateApiPrompt(chain(20_000), { objectInfo })).map((x) => x.type)).toEqual(['link_depth']);
  const deepCycle = chain(20_000);
  deepCycle['1'].inputs = { image: ['20001', 0] };
  deepCycle['1'].class_type = 'ImageInvert';
  expect(errorsOnly(validateApiPrompt(deepCycle, { objectInfo })).map((x) => x.message)).toEqual(['the links form a cycle (20001 → 20000 → 19999 → 19998 → 19997 → … (19,992 more) → 4 → 3 → 2 → 1 → 20001); ComfyUI cannot run it']);
});

test('class names that are Object.prototype members (toString, constructor) are unknown classes, not definitions', () => {
  const p = sd15Prompt();
  p['20'] = { class_type: 'toString', inputs: {} };
  p['21'] = { class_type: 'constructor', inputs: { x: ['toString', 0] } };
  const problems = validateApiPrompt(p, { objectInfo, scheduledModels: scheduled, mode: 'server' });
  expect(problems.map((x) => `${x.nodeId} ${x.type}`).sort()).toEqual(['20 unknown_node_class', '21 unknown_node_class']);
});
