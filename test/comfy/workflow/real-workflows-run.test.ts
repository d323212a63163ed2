/**
 * Every real workflow (test/fixtures/comfy/workflows, from ../shared/comfyui), converted as gpuburst converts it,
 * runs on the ComfyUI simulator through the prompt runner, and each one that saves (SaveImage, SaveAnimatedWEBP,
 * SaveWEBM…) gets its files pulled: a video workflow that "finished" with nothing pulled was once the simulator's
 * answer to all 25 of them (SaveAnimatedWEBP).
 */
import fs from 'fs';
import path from 'path';
import { ComfyClient } from '../../../src/comfy/client';
import { MODEL_INPUTS } from '../../../src/comfy/model-folders';
import type { PulledFile } from '../../../src/comfy/outputs';
import { PromptRunner } from '../../../src/comfy/runner';
import type { ApiPrompt } from '../../../src/comfy/types';
import { convertUiToApi } from '../../../src/comfy/workflow/convert';
import { bundledObjectInfo } from '../../../src/comfy/workflow/object-info';
import { ComfySim, startComfySim } from '../../../src/sim/comfyui';
import { EXAMPLES, FIXTURES, tempDir } from '../helpers';

const DIR = path.join(FIXTURES, 'workflows');
const info = bundledObjectInfo();
const workflows = fs
  .readdirSync(DIR)
  .filter((f) => f.endsWith('.ui.json'))
  .sort()
  .map((file) => {
    const converted = convertUiToApi(JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8')), info) as unknown as { prompt?: ApiPrompt };
    return { file, prompt: (converted.prompt ?? converted) as ApiPrompt };
  });

let sim: ComfySim;
let client: ComfyClient;
beforeAll(async () => {
  // The server has every model and input image the workflows name, as a prepared machine would.
  const models: Record<string, Set<string>> = {};
  const images = new Set<string>();
  for (const { prompt } of workflows) {
    for (const node of Object.values(prompt)) {
      for (const [input, value] of Object.entries(node.inputs)) {
        const folder = MODEL_INPUTS[`${node.class_type}.${input}`];
        if (folder && typeof value === 'string' && value !== 'pixel_space') (models[folder] ??= new Set()).add(value);
        if (/^LoadImage(Mask)?$/.test(node.class_type) && input === 'image') images.add(String(value).replace(/ \[input\]$/, ''));
      }
    }
  }
  sim = await startComfySim({ msPerStep: 0, models: Object.fromEntries(Object.entries(models).map(([k, v]) => [k, [...v]])) });
  client = new ComfyClient({ baseUrl: sim.url, token: sim.opts.token });
  const png = fs.readFileSync(path.join(EXAMPLES, 'inputs', 'harbour.png'));
  for (const name of images) await client.upload({ data: png, name, overwrite: true });
});
afterAll(() => sim.close());

test('there are real workflows, video ones among them', () => {
  expect(workflows.length).toBeGreaterThanOrEqual(81);
  expect(workflows.filter((w) => Object.values(w.prompt).some((n) => n.class_type === 'SaveAnimatedWEBP')).length).toBeGreaterThan(10);
});

test.each(workflows.map((w, i) => [w.file, i] as const))('%s runs and its saved files are pulled', async (_file, i) => {
  const { prompt } = workflows[i];
  const pulled: PulledFile[] = [];
  const failures: string[] = [];
  const runner = new PromptRunner({ client, outputDir: tempDir('gpuburst-real-run-'), callbacks: { onDone: (_id, files) => pulled.push(...files), onFailed: (_id, reason) => failures.push(reason) } });
  const summary = await runner.run([{ id: `wf${i}`, prompt }]);
  expect(failures).toEqual([]);
  expect(summary.done).toBe(1);
  const savers = Object.values(prompt).filter((n) => /^Save/.test(n.class_type)).length;
  if (savers > 0) expect(pulled.length).toBeGreaterThanOrEqual(savers);
  // A workflow that only previews brings its previews back (they are all it made).
  else if (Object.values(prompt).some((n) => n.class_type === 'PreviewImage')) expect(pulled.map((f) => f.type)).toEqual(expect.arrayContaining(['temp']));
  for (const f of pulled) expect(fs.statSync(f.path).size).toBe(f.bytes);
});
