/**
 * Exact request shapes of the RunPod adapter (method, path, query, headers, body), answered with the verbatim
 * samples of docs/reference/runpod.md (§2.1 catalog, §3.1 create 201, §7.3 errors).
 */
import nock from 'nock';
import { createProvider } from '../../../providers/runpod';
import { SPOT_PRICES_QUERY } from '../../../providers/runpod/api';
import type { MachineSpec } from '../../../providers/types';
import { offlineWithNock } from '../support/nock';

const BASE = 'https://api.runpod.test';
const KEY = 'rpa_TESTKEY0123456789ABCDEF';
const PROBLEM = { 'content-type': 'application/problem+json' };

// docs/reference/runpod.md §2.1, verbatim.
const CATALOG = { gpus: [{ id: 'NVIDIA GeForce RTX 4090', name: 'RTX 4090', pool: 'ADA_24', manufacturer: 'NVIDIA', memory: 24, secure: true, community: true, price: { secure: 0.44, community: 0.31, serverless: 1.1 }, maxCount: { secure: 8, community: 4 }, availability: 'HIGH', dataCenters: [{ id: 'US-KS-2', name: 'US Kansas 2', availability: 'HIGH' }] }] };
// docs/reference/runpod.md §3.1, verbatim 201.
const CREATED = { id: '7h9k2m4n6p', name: 'pytorch-training', image: 'runpod/pytorch:1.0.2-cu1281-torch280-ubuntu2404', args: '', disk: 50, ports: ['8888/http', '22/tcp'], env: { MODEL_NAME: 'llama-3' }, registry: null, status: 'PROVISIONING', actions: ['start', 'terminate'], mounts: { persistent: { size: 20, path: '/workspace' } }, gpu: { id: 'NVIDIA GeForce RTX 4090', count: 1 }, cloud: 'SECURE', dataCenterId: 'US-KS-2', cudaVersion: '12.8', ssh: { proxy: { host: 'ssh.runpod.io', port: 22, username: '7h9k2m4n6p-64411eb2', command: 'ssh 7h9k2m4n6p-64411eb2@ssh.runpod.io' }, direct: null }, template: '9x4m2p7v', cost: 0.44, locked: false, globalNetworking: { enabled: false }, runtime: {}, createdAt: '2026-06-01T12:00:00Z', startedAt: null };

const provider = (extra: Record<string, string> = {}) => createProvider({ baseUrl: BASE, apiKey: KEY, extra: { MAX_RETRIES: '0', CREATE_SETTLE_MS: '1', ...extra }, timeoutMs: 2000 });
const api = () => nock(BASE, { reqheaders: { authorization: `Bearer ${KEY}` } });

function spec(extra: Partial<MachineSpec> = {}): MachineSpec {
  return {
    name: 'gpuburst-s1-a',
    sessionId: 's1',
    offerId: 'NVIDIA GeForce RTX 4090|SECURE|1',
    image: 'ghcr.io/ai-dock/comfyui:latest-cuda',
    env: { WEB_TOKEN: 'tok' },
    ports: [{ port: 8188, protocol: 'http' }],
    diskGb: 50,
    ...extra,
  };
}

offlineWithNock();
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});

test('offers: v2 catalog per cloud with availability, GraphQL only for spot prices, Bearer header on both', async () => {
  for (const cloud of ['SECURE', 'COMMUNITY']) {
    api().get('/v2/catalog/gpus').query({ include: 'AVAILABILITY', product: 'POD', count: '1', cloud }).reply(200, CATALOG);
  }
  api()
    .post('/graphql', { query: SPOT_PRICES_QUERY })
    .reply(200, { data: { gpuTypes: [{ id: 'NVIDIA GeForce RTX 4090', displayName: 'RTX 4090', memoryInGb: 24, secureCloud: true, communityCloud: true, secureSpotPrice: null, communitySpotPrice: 0.34 }] } });
  const offers = await provider().listOffers({});
  expect(offers).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ offerId: 'NVIDIA GeForce RTX 4090|SECURE|1', gpu: 'RTX 4090', vramGb: 24, usdPerHour: 0.44, interruptible: false, available: true, live: true, region: 'secure' }),
      expect.objectContaining({ offerId: 'NVIDIA GeForce RTX 4090|COMMUNITY|1', usdPerHour: 0.31, interruptible: false }),
      expect.objectContaining({ offerId: 'NVIDIA GeForce RTX 4090|COMMUNITY|1|spot', usdPerHour: 0.34, interruptible: true }),
    ]),
  );
  expect(offers).toHaveLength(3);
});

test('offers: on-demand only sends no GraphQL; a 2-GPU ask multiplies the per-GPU price', async () => {
  for (const cloud of ['SECURE', 'COMMUNITY']) api().get('/v2/catalog/gpus').query({ include: 'AVAILABILITY', product: 'POD', count: '2', cloud }).reply(200, CATALOG);
  const offers = await provider().listOffers({ interruptible: false, gpuCount: 2, gpu: 'rtx 4090', maxUsdPerHour: 0.7 });
  expect(offers).toEqual([expect.objectContaining({ offerId: 'NVIDIA GeForce RTX 4090|COMMUNITY|2', gpuCount: 2, usdPerHour: 0.62 })]);
});

test('offers: GraphQL failing (it retires in 2027) still lists on-demand offers', async () => {
  for (const cloud of ['SECURE', 'COMMUNITY']) api().get('/v2/catalog/gpus').query(true).reply(200, CATALOG);
  api().post('/graphql').reply(200, { errors: [{ message: 'Something went wrong. Please try again later or contact support.' }] });
  expect((await provider().listOffers({})).map((o) => o.interruptible)).toEqual([false, false]);
});

test('create: one POST /v2/pods with the v2 body (no unknown fields), the 201 becomes a pending machine', async () => {
  api()
    .post('/v2/pods', { name: 'gpuburst-s1-a', image: 'ghcr.io/ai-dock/comfyui:latest-cuda', gpu: { id: 'NVIDIA GeForce RTX 4090', count: 1 }, cloud: 'SECURE', disk: 50, env: { WEB_TOKEN: 'tok', GPUBURST_SESSION: 's1' }, ports: ['8188/http'] })
    .matchHeader('content-type', /application\/json/)
    .reply(201, CREATED);
  const m = await provider().createMachine({ spec: spec() });
  expect(m).toMatchObject({ provider: 'runpod', id: '7h9k2m4n6p', status: 'pending', providerStatus: 'PROVISIONING', gpu: 'RTX 4090', gpuCount: 1, usdPerHour: 0.44, region: 'US-KS-2' });
  expect(m.endpoint).toBeUndefined();
});

test('create with a boot script sends it in `args`, ahead of the image start command', async () => {
  let sent: { args?: string } = {};
  api().post('/v2/pods', (b) => ((sent = b), true)).reply(201, CREATED);
  await provider().createMachine({ spec: spec({ bootScript: 'echo hi', imageStartCommand: 'init.sh' }) });
  expect(sent.args).toMatch(/^bash -c '.*; exec init\.sh'$/);
});

test('create: capacity 400 is a CapacityError and is not retried; 422 is bad input', async () => {
  api().post('/v2/pods').reply(400, { title: 'Bad Request', status: 400, detail: 'There are no longer any instances available with the requested specifications. Please refresh and try again.' }, PROBLEM);
  await expect(provider({ MAX_RETRIES: '3' }).createMachine({ spec: spec() })).rejects.toMatchObject({ code: 'ERR_CAPACITY', provider: 'runpod', status: 400 });
  api().post('/v2/pods').reply(422, { title: 'Unprocessable Entity', status: 422, detail: 'Request validation failed.', errors: ["$: additional properties 'bogus' not allowed"] }, PROBLEM);
  await expect(provider().createMachine({ spec: spec() })).rejects.toMatchObject({ code: 'ERR_BAD_INPUT', message: expect.stringContaining("additional properties 'bogus'") });
});

test('create: a 500 is looked up by name before a second POST, which is never sent when the pod exists', async () => {
  api().post('/v2/pods').reply(500, 'upstream error');
  api().get('/v2/pods').reply(200, { pods: [{ ...CREATED, name: 'gpuburst-s1-a', env: { GPUBURST_SESSION: 's1' } }] });
  const m = await provider().createMachine({ spec: spec() });
  expect(m).toMatchObject({ id: '7h9k2m4n6p', sessionId: 's1' });
});

test('create on a spot offer: UnsupportedError with the capability reason, and no request', async () => {
  const p = provider();
  await expect(p.createMachine({ spec: spec({ offerId: 'NVIDIA GeForce RTX 4090|COMMUNITY|1|spot' }) })).rejects.toMatchObject({
    code: 'ERR_UNSUPPORTED',
    message: `runpod: ${p.capabilities().interruptible.reason}`,
  });
});

test('get: endpoint only once runtime lists 8188; proxy template from GPUBURST_RUNPOD_PROXY_URL; 404 → terminated', async () => {
  const running = { ...CREATED, status: 'RUNNING', runtime: { uptime: 3, ports: [{ private: 8188, public: 60141, type: 'http', ip: '100.65.0.101' }] } };
  api().get('/v2/pods/7h9k2m4n6p').reply(200, { ...CREATED, status: 'RUNNING', runtime: null });
  api().get('/v2/pods/7h9k2m4n6p').reply(200, running);
  api().get('/v2/pods/7h9k2m4n6p').reply(200, running);
  api().get('/v2/pods/gone00000000').reply(404, { title: 'Not Found', status: 404, detail: 'pod not found' }, PROBLEM);
  expect((await provider().getMachine({ id: '7h9k2m4n6p' })).endpoint).toBeUndefined();
  expect((await provider().getMachine({ id: '7h9k2m4n6p' })).endpoint).toBe('https://7h9k2m4n6p-8188.proxy.runpod.net');
  expect((await provider({ PROXY_URL: 'http://127.0.0.1:9/proxy/{podId}-{port}' }).getMachine({ id: '7h9k2m4n6p' })).endpoint).toBe('http://127.0.0.1:9/proxy/7h9k2m4n6p-8188');
  expect(await provider().getMachine({ id: 'gone00000000' })).toMatchObject({ status: 'terminated', id: 'gone00000000' });
});

test('stop: POST action {"action":"stop"}; a 409 on a pod that is already EXITED is success', async () => {
  api().post('/v2/pods/7h9k2m4n6p/action', { action: 'stop' }).reply(200, { ...CREATED, status: 'EXITED', cost: 0 });
  await provider().stopMachine({ id: '7h9k2m4n6p' });
  api().post('/v2/pods/7h9k2m4n6p/action', { action: 'stop' }).reply(409, { title: 'Conflict', status: 409, detail: 'action not valid' }, PROBLEM);
  api().get('/v2/pods/7h9k2m4n6p').reply(200, { ...CREATED, status: 'EXITED', cost: 0 });
  await provider().stopMachine({ id: '7h9k2m4n6p' });
  api().post('/v2/pods/7h9k2m4n6p/action').reply(409, { title: 'Conflict', status: 409, detail: 'cluster pod' }, PROBLEM);
  api().get('/v2/pods/7h9k2m4n6p').reply(200, { ...CREATED, status: 'RUNNING' });
  await expect(provider().stopMachine({ id: '7h9k2m4n6p' })).rejects.toMatchObject({ code: 'ERR_PROVIDER', status: 409 });
});

test('terminate: DELETE /v2/pods/{id}; 204 and 404 both succeed', async () => {
  api().delete('/v2/pods/7h9k2m4n6p').reply(204);
  api().delete('/v2/pods/7h9k2m4n6p').reply(404, { title: 'Not Found', status: 404, detail: 'pod not found' }, PROBLEM);
  await provider().terminateMachine({ id: '7h9k2m4n6p' });
  await provider().terminateMachine({ id: '7h9k2m4n6p' });
});

test('list: only gpuburst- pods, session from the env marker, exact name filter', async () => {
  const pods = [CREATED, { ...CREATED, id: 'a1', name: 'gpuburst-s1-a', env: { GPUBURST_SESSION: 's1' } }, { ...CREATED, id: 'b2', name: 'gpuburst-s2-b', env: {} }];
  api().get('/v2/pods').reply(200, { pods });
  api().get('/v2/pods').reply(200, { pods });
  expect((await provider().listMachines({})).map((m) => [m.id, m.sessionId])).toEqual([['a1', 's1'], ['b2', undefined]]);
  expect((await provider().listMachines({ name: 'gpuburst-s2-b' })).map((m) => m.id)).toEqual(['b2']);
});

test('401 is an auth error naming RUNPOD_API_KEY without the key; 429 carries Retry-After', async () => {
  api().get('/v2/pods').reply(401, { title: 'Unauthorized', status: 401, detail: 'missing bearer token' }, PROBLEM);
  const err = await provider().listMachines({}).catch((e: Error) => e);
  expect(err).toMatchObject({ code: 'ERR_AUTH', message: expect.stringContaining('RUNPOD_API_KEY') });
  expect(JSON.stringify({ ...err, m: (err as Error).message, s: (err as Error).stack })).not.toContain(KEY);
  api().get('/v2/pods').reply(429, { title: 'Too Many Requests', status: 429, detail: 'rate limit exceeded for the minute window' }, { ...PROBLEM, 'Retry-After': '12' });
  await expect(provider().listMachines({})).rejects.toMatchObject({ code: 'ERR_RATE_LIMIT', retryAfterSeconds: 12 });
});

test('killSwitch: DELETE over v2 with the pod-scoped key placeholders, never the account key', () => {
  const ks = provider().killSwitch({ name: 'gpuburst-s1-a', remoteKey: 'account-key-should-not-appear' });
  expect(ks).toEqual({
    env: { GPUBURST_API_URL: BASE },
    terminate: { method: 'DELETE', url: '${GPUBURST_API_URL}/v2/pods/${RUNPOD_POD_ID}', headers: { Authorization: 'Bearer ${RUNPOD_API_KEY}' } },
  });
  expect(JSON.stringify(ks)).not.toContain(KEY);
});
