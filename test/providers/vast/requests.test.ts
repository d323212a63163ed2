/**
 * Exact request shapes (method, path, headers, body, query) against the samples in docs/reference/vast.md,
 * with nock standing in for console.vast.ai.
 */
import nock from 'nock';
import { GpuburstError } from '../../../providers/errors';
import type { MachineSpec } from '../../../providers/types';
import { createProvider } from '../../../providers/vast';
import { offlineWithNock } from '../support/nock';

const BASE = 'https://console.vast.ai';
const KEY = 'vast-test-key-0123456789';
const provider = () => createProvider({ baseUrl: `${BASE}/api/v0`, apiKey: KEY, extra: { RATE_LIMITS: 'off', CREATE_SETTLE_MS: '10' }, timeoutMs: 2000 });
const api = () => nock(BASE, { reqheaders: { authorization: `Bearer ${KEY}` } });

function spec(over: Partial<MachineSpec> = {}): MachineSpec {
  return {
    name: 'gpuburst-s1-a',
    sessionId: 's1',
    offerId: '12345678',
    image: 'vastai/comfyui:latest',
    env: { OPEN_BUTTON_TOKEN: 'tok-abcdef123456' },
    ports: [{ port: 8188, protocol: 'http' }],
    diskGb: 40,
    ...over,
  };
}

/** Verbatim fields of the search_offers.yaml example that the adapter reads (docs/reference/vast.md §2). */
const SPEC_OFFER = {
  id: 12345678, ask_contract_id: 12345678, gpu_name: 'RTX 4090', gpu_ram: 24576, num_gpus: 4, dph_base: 0.123456, dph_total: 0.234567,
  min_bid: 0.111111, storage_cost: 0.987654, inet_down: 9876.5, geolocation: 'Atlantis, AT', rentable: true, rented: false, verification: 'verified',
};

offlineWithNock();
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});

test('offers: POST /api/v0/bundles/ with the query language, spaces in GPU names, MB units', async () => {
  api()
    .post('/api/v0/bundles/', {
      verified: { eq: true }, rentable: { eq: true }, rented: { eq: false }, external: { eq: false }, direct_port_count: { gte: 1 },
      reliability: { gte: 0.95 }, inet_down: { gte: 100 }, cuda_max_good: { gte: 12 }, gpu_name: { in: ['RTX 4090'] }, gpu_ram: { gte: 24000 }, num_gpus: { eq: 4 },
      order: [['dph_total', 'asc']], type: 'ondemand', allocated_storage: 40, limit: 64,
    })
    .matchHeader('content-type', /application\/json/)
    .reply(200, { offers: [SPEC_OFFER] });
  const offers = await provider().listOffers({ gpu: 'RTX 4090', minVramGb: 24, gpuCount: 4 });
  expect(offers).toEqual([
    { provider: 'vast', offerId: '12345678:bid:0.111111', gpu: 'RTX 4090', gpuCount: 4, vramGb: 24, usdPerHour: 0.222222, interruptible: true, region: 'Atlantis, AT', available: true, live: true, downloadMbps: 9876.5 },
    { provider: 'vast', offerId: '12345678', gpu: 'RTX 4090', gpuCount: 4, vramGb: 24, usdPerHour: 0.234567, interruptible: false, region: 'Atlantis, AT', available: true, live: true, downloadMbps: 9876.5 },
  ]);
});

test('offers: interruptible only asks for type "bid"; on-demand only sends the price ceiling', async () => {
  api().post('/api/v0/bundles/', (b) => b.type === 'bid' && b.dph_total === undefined).reply(200, { offers: [SPEC_OFFER] });
  expect((await provider().listOffers({ interruptible: true })).map((o) => o.interruptible)).toEqual([true]);
  api().post('/api/v0/bundles/', (b) => b.type === 'ondemand' && b.dph_total.lte === 0.3).reply(200, { offers: [SPEC_OFFER] });
  expect((await provider().listOffers({ interruptible: false, maxUsdPerHour: 0.3 })).map((o) => o.offerId)).toEqual(['12345678']);
});

test('create: PUT /api/v0/asks/{id}/ with label, env dict with the port key and session marker, args runtype', async () => {
  api()
    .put('/api/v0/asks/12345678/', {
      client_id: 'me', image: 'vastai/comfyui:latest', label: 'gpuburst-s1-a', disk: 40,
      env: { '-p 8188:8188': '1', OPEN_BUTTON_TOKEN: 'tok-abcdef123456', GPUBURST_SESSION: 's1' },
      runtype: 'args', cancel_unavail: true,
    })
    .reply(200, { success: true, new_contract: 7835610, instance_api_key: 'd15a-instance-key-abcdef' });
  const m = await provider().createMachine({ spec: spec() });
  expect(m).toMatchObject({ provider: 'vast', id: '7835610', name: 'gpuburst-s1-a', sessionId: 's1', status: 'pending' });
});

test('create with a boot script: Vast entrypoint runtype, onstart runs it then hands over to the image start', async () => {
  let body: Record<string, unknown> = {};
  api().put('/api/v0/asks/12345678/', (b) => ((body = b), true)).reply(200, { success: true, new_contract: 1 });
  await provider().createMachine({ spec: spec({ bootScript: 'nohup /opt/watchdog.sh &', imageStartCommand: 'entrypoint.sh' }) });
  expect(body.runtype).toBe('ssh');
  expect(body.onstart).toBe('(\nnohup /opt/watchdog.sh &\n)\nexec entrypoint.sh\n');
});

test('create interruptible: the bid from the offer id goes in `price`', async () => {
  api().put('/api/v0/asks/12345678/', (b) => b.price === 0.111111 && b.cancel_unavail === true).reply(200, { success: true, new_contract: 2 });
  expect((await provider().createMachine({ spec: spec({ offerId: '12345678:bid:0.111111' }) })).id).toBe('2');
});

test('create on a vanished offer: one PUT, a capacity error', async () => {
  api().put('/api/v0/asks/12345678/').once().reply(404, { success: false, error: 'invalid_args', msg: 'error 404/3603: no_such_ask Instance type by id 12345678 is not available.', ask_id: 12345678 });
  const err = await provider().createMachine({ spec: spec() }).catch((e: GpuburstError) => e);
  expect(err).toBeInstanceOf(GpuburstError);
  expect((err as GpuburstError).code).toBe('ERR_CAPACITY');
});

test('a refused bid that left a contract: the contract is destroyed, then the capacity error', async () => {
  api().put('/api/v0/asks/12345678/').reply(400, { success: false, error: 'invalid_price', msg: 'bid too low', new_contract: 555 });
  api().delete('/api/v0/instances/555/').reply(200, { success: true });
  const err = (await provider().createMachine({ spec: spec({ offerId: '12345678:bid:0.01' }) }).catch((e) => e)) as GpuburstError;
  expect([err.code, err.machineId]).toEqual(['ERR_CAPACITY', '555']);
});

test('a 200 without a contract is a refusal, not a machine', async () => {
  api().put('/api/v0/asks/12345678/').reply(200, { success: false, error: 'no_such_ask', msg: 'no_such_ask gone' });
  expect(((await provider().createMachine({ spec: spec() }).catch((e) => e)) as GpuburstError).code).toBe('ERR_CAPACITY');
});

test('status: GET /api/v0/instances/{id}/?owner=me; one object under "instances"; null means gone', async () => {
  api()
    .get('/api/v0/instances/883/')
    .query({ owner: 'me' })
    .reply(200, { instances: { id: 883, actual_status: 'loading', intended_status: 'running', label: 'gpuburst-x', extra_env: [['GPUBURST_SESSION', 's9']], gpu_name: 'RTX A5000', gpu_ram: 24564 } });
  expect(await provider().getMachine({ id: '883' })).toMatchObject({ id: '883', status: 'booting', name: 'gpuburst-x', sessionId: 's9', gpu: 'RTX A5000' });
  api().get('/api/v0/instances/884/').query({ owner: 'me' }).reply(200, { instances: null });
  expect((await provider().getMachine({ id: '884' })).status).toBe('terminated');
});

test('stop: PUT {"state":"stopped"}; terminate: DELETE, and not_found counts as done', async () => {
  api().put('/api/v0/instances/883/', { state: 'stopped' }).reply(200, { success: true });
  await provider().stopMachine({ id: '883' });
  api().delete('/api/v0/instances/883/').reply(200, { success: true, msg: 'Instance destroyed successfully' });
  await provider().terminateMachine({ id: '883' });
  api().delete('/api/v0/instances/883/').reply(404, { success: false, error: 'not_found', msg: 'Instance not found' });
  await provider().terminateMachine({ id: '883' });
});

test('list: GET /api/v1/instances/ with JSON query args, every page, only our labels', async () => {
  const row = (id: number, label: string | null) => ({ id, label, actual_status: 'running', extra_env: [['GPUBURST_SESSION', `s${id}`]] });
  const query = { select_filters: '{}', order_by: '[{"col":"id","dir":"asc"}]', limit: '25' };
  api().get('/api/v1/instances/').query(query).reply(200, { success: true, instances: [row(1, 'gpuburst-a'), row(2, 'other')], next_token: 'tok2' });
  api().get('/api/v1/instances/').query({ ...query, after_token: 'tok2' }).reply(200, { success: true, instances: [row(3, null), row(4, 'gpuburst-b')], next_token: null });
  expect((await provider().listMachines({})).map((m) => [m.id, m.sessionId])).toEqual([['1', 's1'], ['4', 's4']]);

  api().get('/api/v1/instances/').query({ ...query, select_filters: '{"label":{"eq":"gpuburst-b"}}' }).reply(200, { success: true, instances: [row(4, 'gpuburst-b')], next_token: null });
  expect((await provider().listMachines({ name: 'gpuburst-b' })).map((m) => m.id)).toEqual(['4']);
});

test('a plain-text 429 without Retry-After is retried; an invalid key is an auth error without the key', async () => {
  api().get('/api/v0/instances/5/').query(true).reply(429, 'API requests too frequent', { 'content-type': 'text/plain' });
  api().get('/api/v0/instances/5/').query(true).reply(200, { instances: { id: 5, actual_status: 'running', label: 'gpuburst-5' } });
  expect((await provider().getMachine({ id: '5' })).status).toBe('running');
  api().get('/api/v1/instances/').query(true).reply(401, { success: false, error: 'auth_error', msg: 'Invalid user key' });
  const err = (await provider().listMachines({}).catch((e) => e)) as GpuburstError;
  expect(err.code).toBe('ERR_AUTH');
  expect(`${err.message} ${err.stack} ${String(err.cause)}`).not.toContain(KEY);
});
