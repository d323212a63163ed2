/** A workflow that only previews (the official SDXL-Turbo example does) is told before renting that its previews come back. */
import fs from 'fs';
import os from 'os';
import path from 'path';
import type { Offer } from '../../providers/types';
import { makePlan } from '../../src/session/plan';
import type { ProviderPool } from '../../src/session/pool';
import { writeSd15Batch } from './support/batch';

const offer: Offer = { provider: 'vast', offerId: 'o1', gpu: 'RTX 4090', gpuCount: 1, vramGb: 24, usdPerHour: 0.4, interruptible: false, region: 'r', available: true, live: true };
const pool = { get: () => ({ listOffers: async () => [offer] }) } as unknown as ProviderPool;

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-plan-previews-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

test('PreviewImage only: the plan says its previews are pulled; with a SaveImage it says nothing', async () => {
  const batchFile = writeSd15Batch(dir, 2);
  const saving = await makePlan({ batchFile, provider: 'vast', pods: 1 }, pool, { VAST_API_KEY: 'k' }, dir);
  expect(saving.notes.filter((n) => /preview/i.test(n))).toEqual([]);

  const wf = JSON.parse(fs.readFileSync(path.join(dir, 'wf.json'), 'utf8'));
  wf['9'] = { class_type: 'PreviewImage', inputs: { images: ['8', 0] } };
  fs.writeFileSync(path.join(dir, 'wf.json'), JSON.stringify(wf));
  const previewing = await makePlan({ batchFile, provider: 'vast', pods: 1 }, pool, { VAST_API_KEY: 'k' }, dir);
  expect(previewing.notes).toContain('workflow fox saves nothing (PreviewImage only): its previews, temporary files on the machine, are pulled instead');
});
