/**
 * The batch's shape for the estimator: a batch that loads no model is `model-free` (no sd15, no steps), is estimated
 * at the model-free figure on every GPU without reading calibration, and says so on the plan line.
 */
import path from 'path';
import { expandBatch } from '../../src/comfy/batch/expand';
import { loadBatch } from '../../src/comfy/batch/load';
import { bundledObjectInfo } from '../../src/comfy/workflow/object-info';
import { renderPlan } from '../../src/cli/render/session';
import { estimate } from '../../src/estimate/estimator';
import { MODEL_FREE } from '../../src/estimate/profiles';
import { convertUiToApi } from '../../src/comfy/workflow/convert';
import { batchShape, unknownModelNote } from '../../src/session/batch-shape';
import { maxLifetimeMinutes } from '../../src/session/timings';
import { agentSettings } from '../../src/session/lifecycle/setup';
import { parseSessionRequest } from '../../src/session/request';
import fs from 'fs';
import type { Plan } from '../../src/session/plan';
import { fixtureCatalog } from '../estimate/fixture';

const EXAMPLES = path.join(__dirname, '..', '..', 'examples');
const info = bundledObjectInfo();
const promptsOf = (file: string) => expandBatch(loadBatch(path.join(EXAMPLES, file), info), info);

test('the invert example is model-free: one image per prompt, its canvas size, no steps', () => {
  expect(batchShape(promptsOf('invert-batch.yaml'))).toEqual({ model: 'model-free', images: 3, steps: 0, width: 512, height: 512, batchSize: 1, precision: 'fp16' });
});

test('a batch that loads a checkpoint keeps its profile', () => {
  expect(batchShape(promptsOf('sd15-batch.yaml'))).toMatchObject({ model: 'sd15', steps: 20 });
});

test('model-free rows: the fixed figure on every GPU, never calibrated, no model download or load', () => {
  const batch = batchShape(promptsOf('invert-batch.yaml'));
  const calibration = [{ version: 2, kind: 'cloud', provider: 'runpod', gpu: 'RTX 4090', model: 'model-free', steps: 0, width: 512, height: 512, batchSize: 1, precision: 'fp16', secondsPerImage: 99, images: 50, measuredAt: '2026-11-30T00:00:00Z', source: 'gpuburst run' }];
  const { rows } = estimate({ batch, catalog: fixtureCatalog(), calibration: calibration as never });
  expect(rows.length).toBeGreaterThan(0);
  for (const row of rows) {
    expect(row.secondsPerImage).toBe(MODEL_FREE.fixedSecondsPerImage);
    expect(row.calibrated).toBe(false);
    expect(row.overhead.modelDownloadSeconds + row.overhead.modelLoadSeconds).toBe(0);
    expect(row.speedSource).toMatch(/^image nodes, no model loaded: 1 s per prompt/);
  }
});

test('the plan line claims no model and no steps', () => {
  const batch = loadBatch(path.join(EXAMPLES, 'invert-batch.yaml'), info);
  const plan = { prompts: promptsOf('invert-batch.yaml'), batch, shape: batchShape(promptsOf('invert-batch.yaml')), models: [], ranked: [], estimateUsd: 0, offerErrors: [] } as unknown as Plan;
  expect(renderPlan(plan, []).split('\n')[0]).toBe(`3 prompt(s) from ${batch.file} (model-free: no model is loaded, 512×512)`);
});

const WORKFLOWS = path.join(__dirname, '..', 'fixtures', 'comfy', 'workflows');
const shapeOf = (file: string) => {
  const converted = convertUiToApi(JSON.parse(fs.readFileSync(path.join(WORKFLOWS, file), 'utf8')), info) as unknown as { prompt?: unknown };
  const prompt = (converted.prompt ?? converted) as never;
  return batchShape([{ id: 'x', prompt, workflow: 'w', index: 0 }]);
};

test.each([
  ['hunyuan_video__hunyuan_video_text_to_video.json.ui.json', /^hunyuan_video_t2v_720p_bf16\.safetensors, a video model \(73 frames a prompt\)$/],
  ['wan__text_to_video_wan.json.ui.json', /^wan2\.1_t2v_1\.3B_fp16\.safetensors, a video model \(33 frames a prompt\)$/],
  ['ltxv__ltxv_image_to_video.json.ui.json', /a video model \(97 frames a prompt\)$/],
  ['hidream__hidream_dev_example.png.ui.json', /^hidream_i1_dev_bf16\.safetensors, a diffusion model loaded on its own \(not FLUX\)$/],
  ['sd3__sd3.5_simple_example.png.ui.json', /^sd3\.5_large_fp8_scaled\.safetensors, a model family the catalog has no figures for$/],
  ['aura_flow__aura_flow_0.2_example.png.ui.json', /a model family the catalog has no figures for$/],
])('a model the catalog has no speed for is said so, not estimated as SD 1.5: %s', (file, what) => {
  const shape = shapeOf(file);
  expect(shape.unknownModel).toMatch(what);
  // The stand-in is the heaviest image profile (its VRAM floor keeps small GPUs out), named as such.
  expect(shape.model).toBe('flux-dev');
  expect(unknownModelNote(shape.unknownModel!, 'estimate')).toContain("times and costs are FLUX.1-dev's and can be far off");
});

test.each([
  ['sdxl__sdxl_simple_example.png.ui.json', 'sdxl'],
  ['flux__flux_dev_example.png.ui.json', 'flux-dev'],
  ['inpaint__inpaint_example.png.ui.json', 'sd15'],
  ['sdturbo__sdxlturbo_example.png.ui.json', 'sd-turbo'],
])('a catalog model keeps its profile and no warning: %s', (file, model) => {
  expect(shapeOf(file)).toMatchObject({ model });
  expect(shapeOf(file).unknownModel).toBeUndefined();
});

test('--model is the user knowing: no warning', () => {
  const converted = convertUiToApi(JSON.parse(fs.readFileSync(path.join(WORKFLOWS, 'wan__text_to_video_wan.json.ui.json'), 'utf8')), info) as unknown as { prompt?: unknown };
  const shape = batchShape([{ id: 'x', prompt: (converted.prompt ?? converted) as never, workflow: 'w', index: 0 }], 'sdxl');
  expect(shape).toMatchObject({ model: 'sdxl' });
  expect(shape.unknownModel).toBeUndefined();
});

test("an unknown model's machines get the longest lifetime cap, not one from a stand-in estimate", () => {
  const request = parseSessionRequest({ batchFile: path.join(EXAMPLES, 'sdxl-batch.yaml'), provider: 'vast' });
  const offer = { usdPerHour: 0.5 } as never;
  const plan = { models: [], estimateSeconds: 600 };
  expect(agentSettings(request, plan, offer, 30).maxLifetimeMinutes).toBe(60);
  expect(agentSettings(request, { ...plan, shape: { unknownModel: 'wan2.1_t2v_14B.safetensors, a video model (81 frames a prompt)' } }, offer, 30).maxLifetimeMinutes).toBe(maxLifetimeMinutes(Infinity));
  expect(maxLifetimeMinutes(Infinity)).toBe(48 * 60);
});
