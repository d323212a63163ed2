/** The plan refuses a GPU the machine's image cannot run before anything is rented, and drops such offers. */
import fs from 'fs';
import os from 'os';
import path from 'path';
import type { Offer } from '../../providers/types';
import { parseBatch } from '../../src/comfy/batch/load';
import { makePlan } from '../../src/session/plan';
import type { ProviderPool } from '../../src/session/pool';
import { writeSd15Batch } from './support/batch';

const offer = (provider: Offer['provider'], gpu: string, usdPerHour: number): Offer => ({
  provider, offerId: `${provider}-${gpu}`, gpu, gpuCount: 1, vramGb: 32, usdPerHour, interruptible: false, region: 'r', available: true, live: true,
});

/** A pool whose providers list these offers and could rent nothing (no create method: renting would throw). */
function poolOf(offers: Offer[]): ProviderPool {
  return { get: (name: string) => ({ listOffers: async () => offers.filter((o) => o.provider === name) }) } as unknown as ProviderPool;
}

const ENV = { RUNPOD_API_KEY: 'rp-key', VAST_API_KEY: 'vast-key' };
let dir: string;
let batchFile: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-plan-image-'));
  batchFile = writeSd15Batch(dir, 2);
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

test('an RTX 5090 asked on RunPod (CUDA 12.1 image) is refused in one line naming GPU, image and choice', async () => {
  const plan = makePlan({ batchFile, provider: 'runpod', gpu: 'RTX 5090', pods: 1 }, poolOf([offer('runpod', 'RTX 5090', 0.89)]), ENV, dir);
  await expect(plan).rejects.toMatchObject({ code: 'ERR_BAD_INPUT', message: expect.stringMatching(/^GPU RTX 5090 \(blackwell\) cannot run ghcr\.io\/ai-dock\/comfyui:v2-cuda-12\.1\.1-base-22\.04-v0\.2\.2 .*choose provider vast/) });
});

test('offers the image cannot run are dropped; the same GPU on Vast (CUDA 12.9) is kept', async () => {
  const offers = [offer('runpod', 'RTX 5090', 0.3), offer('runpod', 'RTX 4090', 0.7), offer('vast', 'RTX 5090', 0.5)];
  const plan = await makePlan({ batchFile, provider: 'auto', pods: 1 }, poolOf(offers), ENV, dir);
  const ranked = plan.ranked.map((r) => `${r.offer.provider} ${r.offer.gpu}`).sort();
  expect(ranked).toEqual(['runpod RTX 4090', 'vast RTX 5090']);
});

test('comfyui: in the batch picks the version; one without an image on the provider is refused before renting', async () => {
  fs.appendFileSync(batchFile, '\ncomfyui: "0.22.0"\n');
  expect(parseBatch(batchFile).comfyui).toBe('0.22.0');
  const vast = await makePlan({ batchFile, provider: 'vast', pods: 1 }, poolOf([offer('vast', 'RTX 4090', 0.3)]), ENV, dir);
  expect(vast.comfyuiVersion).toBe('0.22.0');
  const runpod = makePlan({ batchFile, provider: 'runpod', pods: 1 }, poolOf([offer('runpod', 'RTX 4090', 0.3)]), ENV, dir);
  await expect(runpod).rejects.toMatchObject({ code: 'ERR_BAD_INPUT', message: 'comfyui: 0.22.0 has no image on runpod; accepted there: 0.2.2' });
});

test('an unknown comfyui version is refused by the batch file with the accepted ones', () => {
  fs.appendFileSync(batchFile, '\ncomfyui: "9.9.9"\n');
  expect(() => parseBatch(batchFile)).toThrow(/comfyui: must be one of 0\.2\.2, 0\.22\.0, 0\.3\.64/);
});
