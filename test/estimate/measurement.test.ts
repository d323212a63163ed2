import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadCatalog } from '../../src/catalog/load';
import { calibrationPath, readCalibration } from '../../src/estimate/calibration';
import { estimate } from '../../src/estimate/estimator';
import { Measurement, modelFilesOf, recordMeasurement } from '../../src/estimate/measurement';
import { profileOfModelFile } from '../../src/estimate/profiles';

let cwd: string;
beforeEach(() => {
  cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-measure-'));
});
afterEach(() => fs.rmSync(cwd, { recursive: true, force: true }));

const settings = { steps: 20, width: 1024, height: 1024, batchSize: 1, precision: 'fp16' as const };
const real: Measurement = {
  kind: 'cloud', simulated: false, provider: 'runpod', gpu: 'RTX 4090', endpoint: 'https://abc123-8188.proxy.runpod.net', model: 'sdxl',
  modelFiles: ['sd_xl_base_1.0.safetensors'], settings, secondsPerImage: 3.3, images: 40, sessionId: 's-1', measuredAt: '2026-11-30T12:00:00Z',
};

test('a real cloud run of a known model is recorded, keyed by provider, GPU, model and settings', () => {
  const outcome = recordMeasurement(cwd, real);
  expect(outcome).toEqual({ recorded: true, entry: expect.objectContaining({ kind: 'cloud', provider: 'runpod', gpu: 'RTX 4090', model: 'sdxl', ...settings, secondsPerImage: 3.3, images: 40, source: 'gpuburst run' }) });
  expect(readCalibration(cwd).entries).toHaveLength(1);
});

test.each<[string, Partial<Measurement>, RegExp]>([
  ['--simulate or gpuburst sim', { simulated: true }, /^a simulated run$/],
  ['a cloud machine on loopback (gpuburst sim endpoints)', { endpoint: 'http://127.0.0.1:41234/proxy/pod-1-8188' }, /on this computer \(127\.0\.0\.1\) is a simulator/],
  ['a cloud machine on localhost', { provider: 'vast', endpoint: 'http://localhost:9000' }, /is a simulator/],
  ['a prompt that loads no model', { modelFiles: [] }, /^the prompts load no model$/],
  ['a model gpuburst cannot name', { modelFiles: ['dreamy.safetensors'] }, /^dreamy\.safetensors is not a model gpuburst can name as sdxl$/],
  ['a checkpoint of another model than the profile', { modelFiles: ['v1-5-pruned-emaonly-fp16.safetensors'] }, /is not a model gpuburst can name as sdxl/],
  ['too few images', { images: 2 }, /too few \(at least 3\)/],
  ['a figure that is not a number', { secondsPerImage: NaN }, /is not a measurement/],
  ['kind and provider that disagree', { kind: 'cloud', provider: 'local' }, /does not match/],
])('refused: %s; nothing is written', (_what, change, reason) => {
  const outcome = recordMeasurement(cwd, { ...real, ...change });
  expect(outcome.recorded).toBe(false);
  expect(outcome.recorded === false && outcome.reason).toMatch(reason);
  expect(fs.existsSync(calibrationPath(cwd))).toBe(false);
});

test('a local run is "your GPU, measured": it sets the local row and no cloud row, even on the same GPU', () => {
  const { catalog } = loadCatalog({ env: {} });
  expect(recordMeasurement(cwd, { ...real, kind: 'local', provider: 'local', gpu: 'RTX 3060', endpoint: 'http://127.0.0.1:8188', secondsPerImage: 11 }).recorded).toBe(true);
  const batch = { model: 'sdxl', images: 100, ...settings };
  const { rows } = estimate({ batch, catalog, calibration: readCalibration(cwd).entries });
  const local = rows.find((r) => r.provider === 'local')!;
  expect(local).toMatchObject({ secondsPerImage: 11, measuredLocally: true, calibrated: false });
  const vast3060 = rows.find((r) => r.provider === 'vast' && r.gpu === 'RTX 3060')!;
  expect(vast3060).toMatchObject({ calibrated: false, measuredLocally: false });
  expect(vast3060.secondsPerImage).toBeCloseTo(16, 6); // the catalog's 1.25 it/s at 20 steps
});

test("an old poisoned file does not touch a cloud row, and a real run's record replaces it", () => {
  const { catalog } = loadCatalog({ env: {} });
  const poisoned = { gpu: 'RTX 4090', model: 'sdxl', provider: 'runpod', secondsPerImage: 0.44, ...settings, images: 12, measuredAt: '2026-11-20T10:00:00Z' };
  fs.mkdirSync(path.join(cwd, '.gpuburst'));
  fs.writeFileSync(calibrationPath(cwd), JSON.stringify({ version: 1, entries: [poisoned] }));
  const batch = { model: 'sdxl', images: 100, ...settings };
  const runpod4090 = (entries = readCalibration(cwd).entries) =>
    estimate({ batch, catalog, calibration: entries }).rows.find((r) => r.provider === 'runpod' && r.gpu === 'RTX 4090' && !r.interruptible)!;
  expect(runpod4090()).toMatchObject({ calibrated: false });
  expect(runpod4090().secondsPerImage).toBeCloseTo(20 / 6, 6); // the catalog's 6 it/s, not 0.44 s

  recordMeasurement(cwd, real);
  expect(runpod4090()).toMatchObject({ calibrated: true });
  expect(runpod4090().secondsPerImage).toBeCloseTo(3.3, 10);
});

test('model files come from any loader node; the names say which profile, or nothing', () => {
  const prompt = {
    '4': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'sd_xl_base_1.0.safetensors' } },
    '5': { class_type: 'EmptyLatentImage', inputs: { width: 1024, height: 1024, batch_size: 1 } },
    '9': { class_type: 'UNETLoader', inputs: { unet_name: 'flux1-dev-fp8.safetensors' } },
  };
  expect(modelFilesOf([prompt, prompt])).toEqual(['sd_xl_base_1.0.safetensors', 'flux1-dev-fp8.safetensors']);
  expect(modelFilesOf([{ '1': { class_type: 'SaveImage', inputs: { images: ['2', 0] } } }])).toEqual([]);
  const names: [string, string | undefined][] = [
    ['sd_xl_base_1.0.safetensors', 'sdxl'],
    ['juggernautXL_v9.safetensors', 'sdxl'],
    ['v1-5-pruned-emaonly-fp16.safetensors', 'sd15'],
    ['sd_turbo.safetensors', 'sd-turbo'],
    ['sd_xl_turbo_1.0_fp16.safetensors', undefined],
    ['flux1-schnell.safetensors', 'flux-schnell'],
    ['flux1-dev-fp8.safetensors', 'flux-dev'],
    ['dreamy.safetensors', undefined],
  ];
  for (const [file, profile] of names) expect([file, profileOfModelFile(file)]).toEqual([file, profile]);
});
