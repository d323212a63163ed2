/**
 * What the agent is given from `models:`: tokens only with `modelTokens: true`, every one registered for scrubbing,
 * a named token that is missing (or named without consent) refused before renting; Civitai-style URLs marked to
 * take the server's file name.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { redact } from '../../../providers/redact';
import { loadBatch } from '../../../src/comfy/batch/load';
import { bundledObjectInfo } from '../../../src/comfy/workflow/object-info';
import { machineModels } from '../../../src/session/agent/models';
import { simKey } from '../../../src/sim/common/test-keys';

const EXAMPLES = path.join(__dirname, '..', '..', '..', 'examples');

function load(yaml: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-models-'));
  fs.copyFileSync(path.join(EXAMPLES, 'sd15-txt2img.api.json'), path.join(dir, 'wf.json'));
  fs.writeFileSync(path.join(dir, 'b.yaml'), `${yaml}workflows:\n  - path: wf.json\n`);
  return loadBatch(path.join(dir, 'b.yaml'), bundledObjectInfo());
}

const HF = 'https://huggingface.co/org/repo/resolve/main/a.safetensors';
const CIVITAI = 'https://civitai.com/api/download/models/128713';

test('no modelTokens: no token goes to the machine, even when the environment has them', () => {
  const b = load(`models:\n  - url: ${HF}\n    folder: checkpoints\n`);
  expect(machineModels(b, { HF_TOKEN: simKey('hf_', 8) }).tokens).toBeUndefined();
});

test('modelTokens: the default and named tokens that are set, each registered as a secret', () => {
  const hf = simKey('hf_', 8);
  const mine = simKey('my', 8);
  const b = load(`modelTokens: true\nmodels:\n  - url: ${HF}\n    folder: checkpoints\n  - url: https://models.example.com/b.safetensors\n    folder: loras\n    auth: MY_TOKEN\n`);
  const { tokens, models } = machineModels(b, { HF_TOKEN: hf, MY_TOKEN: mine });
  expect(tokens).toEqual({ HF_TOKEN: hf, MY_TOKEN: mine });
  expect(models[1]).toMatchObject({ auth: 'MY_TOKEN' });
  expect(redact(`got ${hf} and ${mine}`)).toBe('got *** and ***');
});

test('a named token that is not set, or named without modelTokens, is refused with its place in the file', () => {
  const named = `models:\n  - url: ${HF}\n    folder: checkpoints\n    auth: MY_TOKEN\n`;
  expect(() => machineModels(load(`modelTokens: true\n${named}`), {})).toThrow('models[0].auth: MY_TOKEN is not set in your environment');
  expect(() => machineModels(load(named), { MY_TOKEN: 'x' })).toThrow('models[0].auth: MY_TOKEN goes to the machine only with modelTokens: true');
});

test('a URL whose last segment has no extension takes the server name; a named or plain file does not', () => {
  const b = load(`models:\n  - url: ${CIVITAI}\n    folder: checkpoints\n  - url: ${CIVITAI}\n    folder: loras\n    name: style.safetensors\n  - url: ${HF}\n    folder: vae\n`);
  expect(machineModels(b, {}).models.map((m) => m.nameFromServer)).toEqual([true, undefined, undefined]);
});

test('auth must be an environment variable name', () => {
  expect(() => load(`models:\n  - url: ${HF}\n    folder: checkpoints\n    auth: "hf token"\n`)).toThrow(/models\[0\]\.auth: must be an environment variable name/);
});
