/**
 * Disk sizing: each model's size from HEAD through the stand-in internet (redirects followed, the token only to its
 * own host), then the image allowance and margin above the floor.
 */
import http from 'http';
import type { AddressInfo } from 'net';
import { diskFloorGb, diskGbFor, modelBytes, modelSizes } from '../../../src/session/agent/disk';
import { Cdn, startCdn } from '../../../src/sim/cdn';
import { SIGNED_CDN_HOST } from '../../../src/sim/cdn-hosts';
import { simKey } from '../../../src/sim/common/test-keys';

const FLUX = 'https://huggingface.co/black-forest-labs/FLUX.1-dev/resolve/main/flux1-dev.safetensors';
const HF_TOKEN = simKey('hf_', 12);
let cdn: Cdn;
beforeAll(async () => {
  cdn = await startCdn({ bytes: 123_456, gated: [FLUX], tokens: { 'huggingface.co': HF_TOKEN } });
});
afterAll(() => cdn.close());

test('HEAD follows the redirect to the signed CDN with the token only on huggingface.co', async () => {
  const before = cdn.seen.length;
  expect(await modelBytes({ name: 'f', folder: 'diffusion_models', url: FLUX }, { HF_TOKEN }, cdn.url)).toBe(123_456);
  const seen = cdn.seen.slice(before);
  expect(seen.map((r) => [new URL(r.url).hostname, r.method, r.authorization])).toEqual([
    ['huggingface.co', 'HEAD', `Bearer ${HF_TOKEN}`],
    [SIGNED_CDN_HOST, 'HEAD', undefined],
  ]);
});

test('a gated file without its token, or no stand-in internet in a simulated run, has no known size', async () => {
  expect(await modelBytes({ name: 'f', folder: 'diffusion_models', url: FLUX }, {}, cdn.url)).toBeUndefined();
  const before = cdn.seen.length;
  expect(await modelSizes([{ name: 'f', folder: 'checkpoints', url: 'https://example.org/a.safetensors' }], undefined, { GPUBURST_SIMULATED: '1' })).toEqual([undefined]);
  expect(cdn.seen.length).toBe(before);
});

test('disk = image allowance + models × 1.2, never below the floor; a bad floor is named', () => {
  expect(diskGbFor([], 60)).toBe(60);
  expect(diskGbFor([undefined, 5e9], 60)).toBe(60);
  expect(diskGbFor([40e9, 23.8e9], 60)).toBe(Math.ceil(30 + 63.8 * 1.2));
  expect(diskFloorGb({ GPUBURST_DISK_FLOOR_GB: '40' })).toBe(40);
  expect(diskFloorGb({})).toBeUndefined();
  expect(() => diskFloorGb({ GPUBURST_DISK_FLOOR_GB: '60GB' })).toThrow('GPUBURST_DISK_FLOOR_GB=60GB: must be a whole number of GB from 10 to 10000');
});

test("a real model's size comes through: a HEAD answer's Content-Length of GBs is not a body too large to read", async () => {
  // Sizes above the client's 1 MiB body limit were once refused as a body, so no real model ever had a size.
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-length': String(23.8e9), 'content-type': 'application/octet-stream' });
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/wan2.1_t2v_14B_bf16.safetensors`;
    expect(await modelSizes([{ name: 'w', folder: 'diffusion_models', url }], undefined, {})).toEqual([23.8e9]);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});
