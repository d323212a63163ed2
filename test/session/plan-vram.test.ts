/**
 * A model the catalog has no figures for gets its VRAM floor from the size of the file it loads (its server's
 * Content-Length), so a GPU that cannot hold it is never rented; a machine's GPUs are not added up (one ComfyUI
 * runs a model on one GPU).
 */
import fs from 'fs';
import http from 'http';
import type { AddressInfo } from 'net';
import os from 'os';
import path from 'path';
import type { Offer } from '../../providers/types';
import { makePlan } from '../../src/session/plan';
import type { ProviderPool } from '../../src/session/pool';

const EXAMPLES = path.join(__dirname, '..', '..', 'examples');
const GB = 1e9;

const offer = (gpu: string, vramGb: number, usdPerHour: number, gpuCount = 1): Offer => ({
  provider: 'vast', offerId: `${gpu}-${gpuCount}`, gpu, gpuCount, vramGb, usdPerHour, interruptible: false, region: 'r', available: true, live: true,
});
const OFFERS = [offer('RTX 4080 SUPER', 16, 0.2), offer('RTX 4080 SUPER', 16, 0.3, 2), offer('RTX 4090', 24, 0.4), offer('A100 80GB', 80, 1.2)];

function poolOf(offers: Offer[]): ProviderPool {
  return { get: (name: string) => ({ listOffers: async () => offers.filter((o) => o.provider === name) }) } as unknown as ProviderPool;
}

let dir: string;
let server: http.Server;
let sizes: Record<string, number>;
beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-plan-vram-'));
  sizes = {};
  // A model host that states sizes and sends nothing (HEAD).
  server = http.createServer((req, res) => {
    const size = sizes[path.basename(req.url ?? '')];
    res.writeHead(size ? 200 : 404, size ? { 'content-length': String(size), 'content-type': 'application/octet-stream' } : {});
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
afterEach(async () => {
  await new Promise((resolve) => server.close(resolve));
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The SD 1.5 example loading `ckpt` instead, downloaded from the local host. */
function batchLoading(ckpt: string): string {
  const wf = JSON.parse(fs.readFileSync(path.join(EXAMPLES, 'sd15-txt2img.api.json'), 'utf8'));
  wf['4'].inputs.ckpt_name = ckpt;
  fs.writeFileSync(path.join(dir, 'wf.json'), JSON.stringify(wf));
  const { port } = server.address() as AddressInfo;
  const file = path.join(dir, 'batch.yaml');
  fs.writeFileSync(file, ['output: out', 'models:', `  - url: http://127.0.0.1:${port}/${ckpt}`, '    folder: checkpoints', 'workflows:', '  - path: wf.json', '    repeat: 2'].join('\n'));
  return file;
}

const ranked = (plan: { ranked: { offer: Offer }[] }) => plan.ranked.map((r) => `${r.offer.gpuCount}× ${r.offer.gpu}`).sort();

test("an unknown model's file size sets the floor: 16 GB cards, one or two, are left out, and the plan says why", async () => {
  sizes['sd3.5_large.safetensors'] = 16.5 * GB;
  const plan = await makePlan({ batchFile: batchLoading('sd3.5_large.safetensors'), provider: 'vast', pods: 1 }, poolOf(OFFERS), { VAST_API_KEY: 'k' }, dir);
  expect(plan.shape).toMatchObject({ model: 'flux-dev', modelFile: 'sd3.5_large.safetensors', modelGb: 16.5, minVramGb: 20 });
  expect(ranked(plan)).toEqual(['1× A100 80GB', '1× RTX 4090']);
  expect(plan.notes).toContain('GPUs with less than 20 GB VRAM left out: sd3.5_large.safetensors is 16.5 GB of weights, kept whole on one GPU');
});

test('a size no server states keeps the stand-in floor (12 GB), counted per GPU', async () => {
  const plan = await makePlan({ batchFile: batchLoading('sd3.5_large.safetensors'), provider: 'vast', pods: 1 }, poolOf(OFFERS), { VAST_API_KEY: 'k' }, dir);
  expect(plan.shape.minVramGb).toBeUndefined();
  expect(ranked(plan)).toEqual(['1× A100 80GB', '1× RTX 4080 SUPER', '1× RTX 4090', '2× RTX 4080 SUPER']);
  // Two 8 GB GPUs are not one 16 GB GPU.
  const small = makePlan({ batchFile: batchLoading('sd3.5_large.safetensors'), provider: 'vast', pods: 1 }, poolOf([offer('RTX 3070', 8, 0.1, 2)]), { VAST_API_KEY: 'k' }, dir);
  await expect(small).rejects.toMatchObject({ code: 'ERR_BAD_INPUT', message: 'no offer fits: 1 offer(s) listed, 1 available, 0 with ≥ 12 GB VRAM' });
});

test('a catalog model keeps its profile floor whatever its size', async () => {
  sizes['my-sdxl-finetune_xl.safetensors'] = 40 * GB;
  const plan = await makePlan({ batchFile: batchLoading('my-sdxl-finetune_xl.safetensors'), provider: 'vast', pods: 1 }, poolOf(OFFERS), { VAST_API_KEY: 'k' }, dir);
  expect(plan.shape).toMatchObject({ model: 'sdxl' });
  expect(plan.shape.minVramGb).toBeUndefined();
  expect(ranked(plan)).toHaveLength(4);
});

test('asking for a GPU too small for the model is refused before renting, naming the floor, the file and the way out', async () => {
  sizes['wan2.1_t2v_14B_fp8_e4m3fn.safetensors'] = 14.3 * GB;
  const plan = makePlan({ batchFile: batchLoading('wan2.1_t2v_14B_fp8_e4m3fn.safetensors'), provider: 'vast', gpu: 'RTX 4080 SUPER', pods: 1 }, poolOf(OFFERS), { VAST_API_KEY: 'k' }, dir);
  await expect(plan).rejects.toMatchObject({
    code: 'ERR_BAD_INPUT',
    message: expect.stringContaining('2 with GPU "RTX 4080 SUPER" (offered: RTX 4080 SUPER, RTX 4090, A100 80GB), 2 with ≥ 18 GB VRAM (what keeps wan2.1_t2v_14B_fp8_e4m3fn.safetensors whole on one GPU; --model <profile> estimates it as that profile instead'),
  });
});
