/**
 * Every real published workflow (ComfyUI_examples, copied from ../shared/comfyui/workflows into
 * test/fixtures/comfy/workflows) converts to the API prompt the ComfyUI frontend itself embedded in the same PNG.
 *
 * The comparison is exact (class, every input, `_meta.title` where the frontend wrote one) except for three
 * differences that come from the frontend being older than the node definitions (ComfyUI v0.3.64), each checked
 * narrowly below:
 * - newer inputs: an input the old frontend did not know is absent from its prompt; ours carries the input's
 *   default. Allowed only for trailing widgets of the class (new inputs are appended) holding exactly the default.
 * - the upload widget: old frontends serialized LoadImage's upload button as `upload` / `choose file to upload`
 *   = "image". Allowed only on inputs with `image_upload` and only under those two names.
 * - titles: where the server gives no display_name (null), the frontend shows a name from its own translations.
 */
import fs from 'fs';
import path from 'path';
import type { ApiPrompt, NodeInfo } from '../../../src/comfy/types';
import { convertUiToApi } from '../../../src/comfy/workflow/convert';
import type { UiWorkflow } from '../../../src/comfy/workflow/format';
import { bundledObjectInfo, defaultValue, isWidget, orderedInputs } from '../../../src/comfy/workflow/object-info';
import { errorsOnly, validateApiPrompt } from '../../../src/comfy/workflow/validate';
import { FIXTURES } from '../helpers';

const DIR = path.join(FIXTURES, 'workflows');
const SHARED = [path.join(__dirname, '../../../../shared/comfyui/workflows'), path.join(__dirname, '../../../../../shared/comfyui/workflows')].find((d) => fs.existsSync(d));
const info = bundledObjectInfo();
const read = (file: string) => JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8'));
const pairs = fs.readdirSync(DIR).filter((f) => f.endsWith('.embedded-api.json')).map((f) => f.replace(/\.embedded-api\.json$/, '')).sort();
const UPLOAD_WIDGETS = new Set(['upload', 'choose file to upload']);

/** Differences between our prompt and the frontend's that the rules above do not explain. */
function unexplained(ours: ApiPrompt, theirs: ApiPrompt): string[] {
  const out: string[] = [];
  for (const id of new Set([...Object.keys(ours), ...Object.keys(theirs)])) {
    const a = ours[id];
    const b = theirs[id];
    if (!a || !b) {
      out.push(`node ${id}: ${a ? 'only in ours' : 'missing'}`);
      continue;
    }
    if (a.class_type !== b.class_type) out.push(`node ${id}: class ${a.class_type} vs ${b.class_type}`);
    const node = info[a.class_type];
    if (b._meta && a._meta?.title !== b._meta.title && node?.display_name !== null) out.push(`node ${id}: title ${a._meta?.title} vs ${b._meta.title}`);
    const widgets = node ? orderedInputs(node).filter((w) => isWidget(w.spec)).map((w) => w.name) : [];
    for (const k of new Set([...Object.keys(a.inputs), ...Object.keys(b.inputs)])) {
      if (JSON.stringify(a.inputs[k]) === JSON.stringify(b.inputs[k])) continue;
      if (!(k in b.inputs) && newerInput(node, widgets, k, a.inputs[k], b)) continue;
      if (!(k in a.inputs) && UPLOAD_WIDGETS.has(k) && b.inputs[k] === 'image' && hasUpload(node)) continue;
      out.push(`node ${id} ${a.class_type}.${k}: ours ${JSON.stringify(a.inputs[k])}, frontend ${JSON.stringify(b.inputs[k])}`);
    }
  }
  return out;
}

function newerInput(node: NodeInfo | undefined, widgets: string[], name: string, value: unknown, theirs: ApiPrompt[string]): boolean {
  const at = widgets.indexOf(name);
  if (!node || at < 0) return false;
  const spec = orderedInputs(node).find((w) => w.name === name)?.spec;
  const laterKnown = widgets.slice(at + 1).some((w) => w in theirs.inputs);
  return spec !== undefined && !laterKnown && JSON.stringify(value) === JSON.stringify(defaultValue(spec));
}

function hasUpload(node: NodeInfo | undefined): boolean {
  return Boolean(node && orderedInputs(node).some((w) => (w.spec[1] as { image_upload?: boolean } | undefined)?.image_upload));
}

test('the fixture folder holds every workflow of the shared folder (when it is there)', () => {
  if (!SHARED) return; // CI without ../shared runs on the copies alone
  const missing = fs.readdirSync(SHARED).filter((f) => !fs.existsSync(path.join(DIR, f)));
  expect(missing).toEqual([]);
});

test('there are real pairs to compare', () => {
  expect(pairs.length).toBeGreaterThanOrEqual(53);
});

test.each(pairs)('%s converts to the prompt the frontend embedded', (name) => {
  const ours = convertUiToApi(read(`${name}.ui.json`) as UiWorkflow, info);
  expect(unexplained(ours, read(`${name}.embedded-api.json`) as ApiPrompt)).toEqual([]);
});

test('every real UI workflow converts with the core node set (no custom nodes in ComfyUI_examples)', () => {
  const failed: string[] = [];
  for (const f of fs.readdirSync(DIR).filter((x) => x.endsWith('.ui.json'))) {
    try {
      convertUiToApi(read(f) as UiWorkflow, info);
    } catch (err) {
      failed.push(`${f}: ${(err as Error).message}`);
    }
  }
  expect(failed).toEqual([]);
});

test('old workflows that store true as the seed control value keep their KSampler values in place', () => {
  const ui = read('area_composition__night_evening_day_morning.png.ui.json') as UiWorkflow;
  const ours = convertUiToApi(ui, info);
  const raw = (ui.nodes as { id: number; type: string; widgets_values: unknown[] }[]).find((n) => n.id === 3);
  expect(raw?.widgets_values[1]).toBe(true);
  expect(ours['3'].inputs).toMatchObject({ steps: 13, cfg: 8.5, sampler_name: 'dpmpp_sde', scheduler: 'normal', denoise: 1 });
});

test('a legacy group node expands into <instance>:<index> nodes fed by the instance widget values', () => {
  const ours = convertUiToApi(read('edit_models__sdxl_edit_model.png.ui.json') as UiWorkflow, info);
  expect(ours['37:1']).toMatchObject({ class_type: 'RandomNoise', inputs: { noise_seed: 11652752290163 } });
  expect(ours['37:7'].inputs).toMatchObject({ cfg_conds: 5, cfg_cond2_negative: 1.5, cond1: ['37:6', 0], model: ['4', 0] });
  expect(ours['8'].inputs.samples).toEqual(['37:8', 0]);
  expect(Object.keys(ours).filter((id) => id.startsWith('37:')).sort()).toEqual(['37:0', '37:1', '37:3', '37:6', '37:7', '37:8']);
});

/**
 * Eleven of the frontend's old API exports lack a required input that ComfyUI added after they were written
 * (v0.3.64 refuses them too: required_input_missing); that is the only refusal allowed, and only for those inputs.
 */
const ADDED_LATER = new Set(['CLIPVisionEncode.crop', 'DualCFGGuider.style', 'SDTurboScheduler.denoise', 'VAEEncodeForInpaint.grow_mask_by']);

test('every real workflow validates offline without a refusal: its classes are all core nodes', () => {
  const refused: string[] = [];
  let clean = 0;
  const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.json'));
  for (const f of files) {
    const json = read(f);
    const prompt: ApiPrompt = f.endsWith('.ui.json') ? convertUiToApi(json as UiWorkflow, info) : json;
    expect(Object.values(prompt).every((n) => info[n.class_type])).toBe(true);
    const errors = errorsOnly(validateApiPrompt(prompt, { objectInfo: info }));
    const unexpected = errors.filter((e) => !(f.endsWith('.embedded-api.json') && e.type === 'required_input_missing' && ADDED_LATER.has(`${e.classType}.${e.inputName}`)));
    if (unexpected.length) refused.push(`${f}: ${unexpected.map((e) => `${e.nodeId} ${e.type} ${e.message}`).join('; ')}`);
    if (errors.length === 0) clean++;
  }
  expect(refused).toEqual([]);
  expect(files.length).toBe(134);
  expect(clean).toBe(123); // 81 UI + 42 of the 53 old API exports
});
