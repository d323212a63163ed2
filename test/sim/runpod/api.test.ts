/** The RunPod simulator's REST v2 surface: auth, problem+json errors, schema rejection, catalog, rate limit. */
import type { ProviderSim } from '../../../src/sim/common/types';
import { call, podBody, startSim } from './helpers';

let sim: ProviderSim;
let key: string;

beforeAll(async () => {
  ({ sim, key } = await startSim());
});
afterAll(() => sim.close());

describe('auth and envelopes', () => {
  test('no bearer token: 401 problem+json "missing bearer token"', async () => {
    const r = await call(sim, 'GET', '/v2/pods');
    expect(r.status).toBe(401);
    expect(r.headers.get('content-type')).toContain('application/problem+json');
    expect(r.body).toEqual({ title: 'Unauthorized', status: 401, detail: 'missing bearer token' });
  });

  test('an unknown key is 401 too, and nothing counts against the quota', async () => {
    const r = await call(sim, 'GET', '/v2/pods', { key: 'rpa_NOT_A_KEY' });
    expect(r.status).toBe(401);
    expect(r.headers.get('ratelimit')).toBeNull();
  });

  test('the env points at the sim with its key and the proxy template', () => {
    expect(sim.env.GPUBURST_RUNPOD_API_URL).toBe(sim.url);
    expect(sim.env.RUNPOD_API_KEY).toBe(key);
    expect(sim.env.GPUBURST_RUNPOD_PROXY_URL).toBe(`${sim.url}/proxy/{podId}-{port}`);
  });

  test('unknown path 404 and wrong method 405, both problem+json', async () => {
    const a = await call(sim, 'GET', '/v2/nothing', { key });
    expect(a.status).toBe(404);
    expect(a.body.title).toBe('Not Found');
    const b = await call(sim, 'PUT', '/v2/pods', { key, body: {} });
    expect(b.status).toBe(405);
    expect(b.body.detail).toBe('The requested method is not allowed for this path.');
  });

  test('an unknown pod id is 404 for GET, DELETE and actions', async () => {
    expect((await call(sim, 'GET', '/v2/pods/nosuchpod00000', { key })).status).toBe(404);
    expect((await call(sim, 'DELETE', '/v2/pods/nosuchpod00000', { key })).status).toBe(404);
    expect((await call(sim, 'POST', '/v2/pods/nosuchpod00000/action', { key, body: { action: 'stop' } })).status).toBe(404);
  });
});

describe('create rejects what the real API rejects', () => {
  test('an unknown property: 422 with the offending name listed', async () => {
    const r = await call(sim, 'POST', '/v2/pods', { key, body: podBody({ interruptible: true, bogus: 1 }) });
    expect(r.status).toBe(422);
    expect(r.body.detail).toBe('Request validation failed.');
    expect(r.body.errors).toContain("$: additional properties 'interruptible', 'bogus' not allowed");
  });

  test('bad enum, bad nested field, missing image: 422', async () => {
    const bad = [podBody({ cloud: 'ALL' }), podBody({ gpu: { id: 'NVIDIA GeForce RTX 4090', bidPerGpu: 0.2 } }), podBody({ image: undefined }), podBody({ disk: 0 })];
    for (const body of bad) {
      const r = await call(sim, 'POST', '/v2/pods', { key, body: JSON.parse(JSON.stringify(body)) });
      expect(r.status).toBe(422);
      expect(r.body.errors.length).toBeGreaterThan(0);
    }
  });

  test('malformed JSON: 400', async () => {
    const r = await call(sim, 'POST', '/v2/pods', { key, raw: '{"name": ' });
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toContain('application/problem+json');
  });

  test('cross-field rules: 400 (gpu and cpu, both mount kinds, bad port spec)', async () => {
    const bodies = [
      podBody({ cpu: { id: 'cpu3c', vcpuCount: 2 } }),
      podBody({ mounts: { persistent: { size: 20, path: '/workspace' }, network: [{ volumeId: 'v1', path: '/n' }] } }),
      podBody({ ports: ['8188'] }),
    ];
    for (const body of bodies) expect((await call(sim, 'POST', '/v2/pods', { key, body })).status).toBe(400);
  });

  test('no capacity: 400 whose detail carries RunPod capacity sentence, and no pod is made', async () => {
    const before = sim.state().machines.length;
    await call(sim, 'POST', '/_sim/capacity', { body: { gpuTypeId: 'NVIDIA RTX A5000', cloud: 'COMMUNITY', free: 0 } });
    const r = await call(sim, 'POST', '/v2/pods', { key, body: podBody({ gpu: { id: 'NVIDIA RTX A5000' }, cloud: 'COMMUNITY' }) });
    expect(r.status).toBe(400);
    expect(r.body.detail).toMatch(/no longer any instances available/);
    expect(sim.state().machines.length).toBe(before);
  });

  test('a passing stock-out comes back after the refusals it was given', async () => {
    const gpu = { id: 'NVIDIA RTX A6000' };
    await call(sim, 'POST', '/_sim/capacity', { body: { gpuTypeId: gpu.id, cloud: 'SECURE', free: 0, restoreAfterRefusals: 1 } });
    expect((await call(sim, 'POST', '/v2/pods', { key, body: podBody({ gpu }) })).status).toBe(400);
    const ok = await call(sim, 'POST', '/v2/pods', { key, body: podBody({ gpu }) });
    expect(ok.status).toBe(201);
    await call(sim, 'DELETE', `/v2/pods/${ok.body.id}`, { key });
  });

  test('low balance: 402', async () => {
    await call(sim, 'POST', '/_sim/balance', { body: { usd: 0.1 } });
    const r = await call(sim, 'POST', '/v2/pods', { key, body: podBody() });
    await call(sim, 'POST', '/_sim/balance', { body: { usd: 1000 } });
    expect(r.status).toBe(402);
  });

  test('an action outside the enum or with extra fields: 422', async () => {
    const created = await call(sim, 'POST', '/v2/pods', { key, body: podBody() });
    expect((await call(sim, 'POST', `/v2/pods/${created.body.id}/action`, { key, body: { action: 'pause' } })).status).toBe(422);
    expect((await call(sim, 'POST', `/v2/pods/${created.body.id}/action`, { key, body: { action: 'stop', force: true } })).status).toBe(422);
    await call(sim, 'DELETE', `/v2/pods/${created.body.id}`, { key });
  });
});

describe('catalog', () => {
  test('availability needs product, and product needs availability: 400 either way', async () => {
    expect((await call(sim, 'GET', '/v2/catalog/gpus?include=AVAILABILITY', { key })).status).toBe(400);
    expect((await call(sim, 'GET', '/v2/catalog/gpus?product=POD', { key })).status).toBe(400);
    expect((await call(sim, 'GET', '/v2/catalog/gpus?include=AVAILABILITY&product=POD&cloud=ALL', { key })).status).toBe(422);
  });

  test('GpuType shape, per-GPU prices, availability per cloud', async () => {
    const plain = await call(sim, 'GET', '/v2/catalog/gpus', { key });
    const rtx = plain.body.gpus.find((g: { id: string }) => g.id === 'NVIDIA GeForce RTX 4090');
    expect(Object.keys(rtx).sort()).toEqual(['community', 'id', 'manufacturer', 'maxCount', 'memory', 'name', 'pool', 'price', 'secure']);
    const withStock = await call(sim, 'GET', '/v2/catalog/gpus?include=AVAILABILITY&product=POD&cloud=COMMUNITY&count=1', { key });
    const a4500 = withStock.body.gpus.find((g: { id: string }) => g.id === 'NVIDIA  RTX A4500');
    expect(a4500.availability).toBe('NONE');
    expect(a4500.dataCenters).toBeUndefined();
    const a4000 = withStock.body.gpus.find((g: { id: string }) => g.id === 'NVIDIA RTX A4000');
    expect(a4000.availability).not.toBe('NONE');
    expect(a4000.dataCenters[0].id).toBeTruthy();
  });
});

describe('rate limit', () => {
  test('past the per-minute quota: 429 with Retry-After, RateLimit and RateLimit-Policy', async () => {
    const { sim: limited, key: k } = await startSim({ rateLimitPerMinute: 3 });
    try {
      const first = await call(limited, 'GET', '/v2/pods', { key: k });
      expect(first.headers.get('ratelimit')).toBe('"minute";r=2;t=60');
      expect(first.headers.get('ratelimit-policy')).toBe('"minute";q=3;w=60');
      await call(limited, 'GET', '/v2/pods', { key: k });
      await call(limited, 'GET', '/v2/pods', { key: k });
      const refused = await call(limited, 'GET', '/v2/pods', { key: k });
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(refused.headers.get('ratelimit')).toMatch(/^"minute";r=0;t=\d+$/);
      expect(refused.body.detail).toBe('rate limit exceeded for the minute window');
      // GraphQL has no documented limit (docs/reference/runpod.md §7.4).
      expect((await call(limited, 'POST', '/graphql', { key: k, body: { query: '{ gpuTypes { id } }' } })).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
