/**
 * Which model profile a prompt loads, on the real ComfyUI_examples workflows and on a model-free batch prompt.
 */
import fs from 'fs';
import path from 'path';
import { promptModel } from '../../../src/comfy/workflow/model-load';
import { convertUiToApi } from '../../../src/comfy/workflow/convert';
import type { UiWorkflow } from '../../../src/comfy/workflow/format';
import { bundledObjectInfo } from '../../../src/comfy/workflow/object-info';
import type { ApiPrompt } from '../../../src/comfy/types';
import { FIXTURES } from '../helpers';

const info = bundledObjectInfo();
const real = (name: string): ApiPrompt => convertUiToApi(JSON.parse(fs.readFileSync(path.join(FIXTURES, 'workflows', `${name}.ui.json`), 'utf8')) as UiWorkflow, info);

test.each([
  ['sdxl__sdxl_simple_example.png', 'CheckpointLoaderSimple', 'sdxl'],
  ['flux__flux_dev_example.png', 'UNETLoader', 'flux-dev'],
  ['flux__flux_dev_checkpoint_example.png', 'CheckpointLoaderSimple', 'flux-dev'],
  ['sdturbo__sdxlturbo_example.png', 'CheckpointLoaderSimple', undefined],
  ['wan22__text_to_video_wan22_5B.json', 'UNETLoader', undefined],
])('%s loads a model through %s: profile %s', (name, classType, profile) => {
  expect(promptModel(real(name))).toMatchObject({ loads: 'model', classType, profile });
});

test('a model-free prompt (EmptyImage → ImageInvert → SaveImage) loads none', () => {
  const p: ApiPrompt = {
    '1': { class_type: 'EmptyImage', inputs: { width: 64, height: 64, batch_size: 1, color: 0 } },
    '2': { class_type: 'ImageInvert', inputs: { image: ['1', 0] } },
    '3': { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'x' } },
  };
  expect(promptModel(p)).toEqual({ loads: 'none' });
});

test('every real workflow either loads a model or is model-free, and the SD1.5 examples read as sd15', () => {
  const dir = path.join(FIXTURES, 'workflows');
  const counts: Record<string, number> = {};
  for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.ui.json'))) {
    const m = promptModel(real(f.replace(/\.ui\.json$/, '')));
    const key = m.loads === 'none' ? 'none' : m.profile ?? 'unknown';
    counts[key] = (counts[key] ?? 0) + 1;
  }
  expect(counts.sd15).toBeGreaterThan(0);
  expect(counts.sdxl).toBeGreaterThan(0);
  expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(81);
});

test('a prompt whose only model is an upscaler or a custom loader is not model-free', () => {
  const upscale: ApiPrompt = {
    '1': { class_type: 'LoadImage', inputs: { image: 'a.png' } },
    '2': { class_type: 'UpscaleModelLoader', inputs: { model_name: 'RealESRGAN_x4plus.pth' } },
    '3': { class_type: 'ImageUpscaleWithModel', inputs: { upscale_model: ['2', 0], image: ['1', 0] } },
    '4': { class_type: 'SaveImage', inputs: { images: ['3', 0], filename_prefix: 'x' } },
  };
  expect(promptModel(upscale)).toMatchObject({ loads: 'model', nodeId: '2', classType: 'UpscaleModelLoader', file: 'RealESRGAN_x4plus.pth' });
  const custom: ApiPrompt = { '1': { class_type: 'DownloadAndLoadFlorence2Model', inputs: { model: 'x' } }, '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'x' } } };
  expect(promptModel(custom)).toMatchObject({ loads: 'model', classType: 'DownloadAndLoadFlorence2Model' });
});
