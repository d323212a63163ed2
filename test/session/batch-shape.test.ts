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
import { batchShape } from '../../src/session/batch-shape';
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
