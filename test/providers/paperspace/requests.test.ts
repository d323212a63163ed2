/**
 * Exact request shapes of the Paperspace adapter (method, path, query, headers, body), answered with the samples of
 * docs/reference/paperspace.md (§2 availability and templates, §3 create body and `{data, event}` response, §4 envelopes, §7 errors).
 */
import nock from 'nock';
import { readBootstrapEnv } from '../../../src/sim/common/bootstrap-env';
import { createProvider } from '../../../providers/paperspace';
import type { PaperspaceProvider } from '../../../providers/paperspace/adapter';
import type { MachineSpec } from '../../../providers/types';
import { offlineWithNock } from '../support/nock';

const BASE = 'https://api.paperspace.test/v1';
const KEY = 'ps_TESTKEY0123456789abcdef';
const NY2 = 'East Coast (NY2)';

// docs/reference/paperspace.md §3, composed example (shape).
const MACHINE = {
  id: 'psabc1234',
  name: 'gpuburst-s1-abc',
  state: 'provisioning',
  machineType: 'A4000',
  agentType: 'LinuxHeadless',
  os: 'Ubuntu 22.04',
  region: NY2,
  cpus: 8,
  ram: 34359738368,
  storageTotal: 107374182400,
  storageUsed: 0,
  storageRate: 0,
  usageRate: 0.76,
  accelerators: [{ name: 'A4000', count: 1, memory: 16 }],
  publicIp: null,
  publicIpType: 'dynamic',
  privateIp: null,
  networkId: null,
  autoShutdownEnabled: true,
  autoShutdownTimeout: 4,
  autoShutdownForce: false,
  dtCreated: '2026-01-01T00:00:00.000Z',
  dtModified: '2026-01-01T00:00:00.000Z',
  dtDeleted: null,
};
const EVENT = { id: 'evt_example', name: 'create', state: 'new', machineId: 'psabc1234', error: null, dtCreated: '2026-01-01T00:00:00.000Z', dtStarted: null, dtFinished: null };
// docs/reference/paperspace.md §2, template list item shape.
const TEMPLATES = {
  hasMore: false,
  items: [
    { id: 'tsrv0001', name: 'Ubuntu 22.04 Server', agentType: 'LinuxHeadless', operatingSystemLabel: 'Ubuntu 22.04', defaultSizeGb: 50, dtCreated: '2024-01-01T00:00:00Z', availableMachineTypes: [{ machineTypeLabel: 'A4000', isAvailable: true }] },
    { id: 'tml00001', name: 'Ubuntu 22.04 MLaiB', agentType: 'LinuxHeadless', operatingSystemLabel: 'Ubuntu 22.04', defaultSizeGb: 50, dtCreated: '2024-01-01T00:00:00Z', availableMachineTypes: [{ machineTypeLabel: 'A4000', isAvailable: true }, { machineTypeLabel: 'H100', isAvailable: false }] },
  ],
};
const SCRIPT = { id: 'sc123abc', name: 'gpuburst-s1-abc', description: null, isEnabled: true, isRunOnce: true, assignedMachineIds: [], dtCreated: '2026-01-01T00:00:00Z', dtDeleted: null };

const provider = (extra: Record<string, string> = {}) =>
  createProvider({ baseUrl: BASE, apiKey: KEY, extra: { MAX_RETRIES: '0', CREATE_SETTLE_MS: '1', ...extra }, timeoutMs: 2000 }) as PaperspaceProvider;
const api = () => nock(BASE, { reqheaders: { authorization: `Bearer ${KEY}` }, badheaders: ['x-api-key'] });

function spec(extra: Partial<MachineSpec> = {}): MachineSpec {
  return {
    name: 'gpuburst-s1-abc',
    sessionId: 's1',
    offerId: `A4000@${NY2}`,
    image: 'ghcr.io/ai-dock/comfyui:latest-cuda',
    env: { WEB_TOKEN: 'tok-123456', GPUBURST_MACHINE_NAME: 'gpuburst-s1-abc' },
    ports: [{ port: 8188, protocol: 'http' }],
    diskGb: 40,
    ...extra,
  };
}

offlineWithNock();
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});

test('offers: one live availability query per configured type and region; prices from the configured table', async () => {
  api().get('/machine-availability').query({ machineType: 'A4000', region: NY2 }).reply(200, { available: true });
  api().get('/machine-availability').query({ machineType: 'A4000', region: 'Europe (AMS1)' }).reply(200, { available: false });
  api().get('/machine-availability').query({ machineType: 'A4000', region: 'West Coast (CA1)' }).reply(200, { available: true });
  const offers = await provider({ MACHINE_TYPES: 'A4000,C5' }).listOffers({});
  expect(offers).toEqual(
    expect.arrayContaining([
      { provider: 'paperspace', offerId: `A4000@${NY2}`, gpu: 'RTX A4000', gpuCount: 1, vramGb: 16, usdPerHour: 0.76, interruptible: false, region: NY2, available: true, live: true },
      expect.objectContaining({ offerId: 'A4000@Europe (AMS1)', available: false }),
    ]),
  );
  expect(offers).toHaveLength(3);
});

test('offers: filters apply before asking; PRICES overrides; no spot at all', async () => {
  api().get('/machine-availability').query({ machineType: 'H100', region: NY2 }).reply(200, { available: true });
  const offers = await provider({ PRICES: '{"H100":4.5}' }).listOffers({ gpu: 'h100 80gb', gpuCount: 1, maxUsdPerHour: 5 });
  expect(offers).toEqual([expect.objectContaining({ offerId: `H100@${NY2}`, usdPerHour: 4.5 })]);
  expect(await provider().listOffers({ interruptible: true })).toEqual([]);
});

test('create: availability, template look-up, run-once startup script, then the machine body of docs/reference/paperspace.md §3', async () => {
  api().get('/machine-availability').query({ machineType: 'A4000', region: NY2 }).reply(200, { available: true });
  api().get('/os-templates').query({ limit: '100' }).reply(200, TEMPLATES);
  let script = '';
  api()
    .post('/startup-scripts', (b) => {
      script = b.script;
      return b.name === 'gpuburst-s1-abc' && b.isRunOnce === true && Object.keys(b).length === 3;
    })
    .reply(200, SCRIPT);
  api()
    .post('/machines', {
      name: 'gpuburst-s1-abc',
      machineType: 'A4000',
      templateId: 'tml00001',
      diskSize: 50,
      region: NY2,
      publicIpType: 'dynamic',
      startOnCreate: true,
      startupScriptId: 'sc123abc',
      emailPassword: false,
      autoShutdownEnabled: true,
      autoShutdownTimeout: 3,
      autoShutdownForce: true,
    })
    .matchHeader('content-type', /application\/json/)
    .reply(200, { data: MACHINE, event: EVENT });
  const machine = await provider().createMachine({ spec: spec({ maxLifetimeHours: 2.5 }) });
  expect(machine).toMatchObject({ id: 'psabc1234', name: 'gpuburst-s1-abc', sessionId: 's1', status: 'pending', providerStatus: 'provisioning', gpu: 'RTX A4000', region: NY2 });
  expect(readBootstrapEnv(script)).toEqual({ WEB_TOKEN: 'tok-123456', GPUBURST_MACHINE_NAME: 'gpuburst-s1-abc' });
  expect(script).toContain('-p 8188:8188');
});

test('create: a name without the session format is stored with a marker, and the kill switch variable follows it', async () => {
  api().get('/machine-availability').query(true).reply(200, { available: true });
  let script = '';
  api()
    .post('/startup-scripts', (b) => {
      script = b.script;
      return b.name === 'gpuburst-x~s1';
    })
    .reply(200, { ...SCRIPT, name: 'gpuburst-x~s1' });
  api()
    .post('/machines', (b) => b.name === 'gpuburst-x~s1' && b.templateId === 'tfixed01' && b.diskSize === 250 && !('autoShutdownEnabled' in b))
    .reply(200, { data: { ...MACHINE, name: 'gpuburst-x~s1' }, event: EVENT });
  const machine = await provider({ TEMPLATE_ID: 'tfixed01' }).createMachine({ spec: spec({ name: 'gpuburst-x', diskGb: 101, env: { WEB_TOKEN: 't', GPUBURST_MACHINE_NAME: 'gpuburst-x' } }) });
  expect(machine).toMatchObject({ name: 'gpuburst-x', sessionId: 's1' });
  expect(readBootstrapEnv(script)?.GPUBURST_MACHINE_NAME).toBe('gpuburst-x~s1');
});

test('create: an 8-GPU H100 enables NVLink', async () => {
  api().get('/machine-availability').query(true).reply(200, { available: true });
  api().post('/startup-scripts').reply(200, SCRIPT);
  api().post('/machines', (b) => b.machineType === 'H100x8' && b.enableNvlink === true).reply(200, { data: { ...MACHINE, machineType: 'H100x8' }, event: EVENT });
  await provider({ TEMPLATE_ID: 't1' }).createMachine({ spec: spec({ offerId: `H100x8@${NY2}` }) });
});

test('create: no availability → CapacityError before anything is created', async () => {
  api().get('/machine-availability').query(true).reply(200, { available: false });
  await expect(provider().createMachine({ spec: spec() })).rejects.toMatchObject({ code: 'ERR_CAPACITY', provider: 'paperspace' });
});

test('create: a definite refusal deletes the startup script it made', async () => {
  api().get('/machine-availability').query(true).reply(200, { available: true });
  api().post('/startup-scripts').reply(200, SCRIPT);
  api().post('/machines').reply(400, { code: 'BAD_REQUEST', message: 'Invalid disk size 50', details: { issues: [] } });
  api().get('/startup-scripts').query({ name: 'gpuburst-s1-abc', limit: '100' }).reply(200, { hasMore: false, items: [SCRIPT] });
  api().delete('/startup-scripts/sc123abc').reply(200, { ...SCRIPT, dtDeleted: '2026-01-01T00:00:01Z' });
  await expect(provider({ TEMPLATE_ID: 't1' }).createMachine({ spec: spec() })).rejects.toMatchObject({ code: 'ERR_BAD_INPUT', status: 400 });
});

test('create: an unknown template name is bad input listing what exists; a disk over 2 TB is refused locally', async () => {
  api().get('/machine-availability').query(true).reply(200, { available: true });
  api().get('/os-templates').query(true).reply(200, TEMPLATES);
  const err = await provider({ TEMPLATE_NAME: 'Windows 95' }).createMachine({ spec: spec() }).catch((e) => e);
  expect(err).toMatchObject({ code: 'ERR_BAD_INPUT' });
  expect(err.message).toContain('Ubuntu 22.04 Server');
  await expect(provider().createMachine({ spec: spec({ diskGb: 3000 }) })).rejects.toMatchObject({ code: 'ERR_BAD_INPUT' });
});

test('get: a bare machine; ready with an IP has the endpoint; 404 is terminated', async () => {
  api().get('/machines/psabc1234').reply(200, { ...MACHINE, state: 'ready', publicIp: '203.0.113.7' });
  expect(await provider().getMachine({ id: 'psabc1234' })).toMatchObject({ status: 'running', endpoint: 'http://203.0.113.7:8188' });
  api().get('/machines/psgone').reply(404, { code: 'NOT_FOUND', message: 'Machine not found' });
  expect(await provider().getMachine({ id: 'psgone' })).toMatchObject({ id: 'psgone', status: 'terminated' });
});

test('get: an off machine is judged by its newest lifecycle event', async () => {
  api().get('/machines/psabc1234').reply(200, { ...MACHINE, state: 'off' });
  api()
    .get('/machine-events')
    .query({ machineId: 'psabc1234', orderBy: 'dtCreated', order: 'desc', limit: '20' })
    .reply(200, { hasMore: false, items: [{ ...EVENT, state: 'error', error: "Uh oh. This machine type can't start due to insufficient capacity or higher than normal demand. Please try again later." }] });
  expect(await provider().getMachine({ id: 'psabc1234' })).toMatchObject({ status: 'failed', message: expect.stringContaining('insufficient capacity') });
});

test('waitUntilReady: a machine that landed in off ends in CapacityError carrying its id', async () => {
  api().get('/machines/psabc1234').reply(200, { ...MACHINE, state: 'off' });
  api().get('/machine-events').query(true).reply(200, { hasMore: false, items: [{ ...EVENT, state: 'done' }] });
  const err = await provider()
    .waitUntilReady({ id: 'psabc1234', probe: async () => true, timeoutSeconds: 5, pollSeconds: 0.01 })
    .catch((e) => e);
  expect(err).toMatchObject({ code: 'ERR_CAPACITY', machineId: 'psabc1234' });
});

test('stop: PATCH /machines/{id}/stop with "{}"', async () => {
  api().patch('/machines/psabc1234/stop', {}).reply(200, { data: { ...MACHINE, state: 'stopping' }, event: { ...EVENT, name: 'stop' } });
  await provider().stopMachine({ id: 'psabc1234' });
});

test('terminate: DELETE, then the startup script of that name; an already-gone machine is success', async () => {
  api().delete('/machines/psabc1234').reply(200, { data: MACHINE, event: { ...EVENT, name: 'deactivate', state: 'done' } });
  api().get('/startup-scripts').query({ name: 'gpuburst-s1-abc', limit: '100' }).reply(200, { hasMore: false, items: [SCRIPT, { ...SCRIPT, id: 'scother', name: 'gpuburst-s1-abcdef' }] });
  api().delete('/startup-scripts/sc123abc').reply(200, SCRIPT);
  await provider().terminateMachine({ id: 'psabc1234' });
  api().delete('/machines/psabc1234').reply(404, { code: 'NOT_FOUND', message: 'Machine not found' });
  await provider().terminateMachine({ id: 'psabc1234' });
});

test('list: follows nextPage with after, keeps only gpuburst- machines, filters by spec name', async () => {
  api()
    .get('/machines')
    .query({ limit: '100' })
    .reply(200, { hasMore: true, nextPage: 'ps2', items: [MACHINE, { ...MACHINE, id: 'ps2', name: 'someone-elses' }] });
  api()
    .get('/machines')
    .query({ limit: '100', after: 'ps2' })
    .reply(200, { hasMore: false, items: [{ ...MACHINE, id: 'ps3', name: 'gpuburst-x~other-session' }] });
  const all = await provider().listMachines({});
  expect(all.map((m) => [m.id, m.name, m.sessionId])).toEqual([
    ['psabc1234', 'gpuburst-s1-abc', 's1'],
    ['ps3', 'gpuburst-x', 'other-session'],
  ]);
  api().get('/machines').query(true).reply(200, { hasMore: false, items: [MACHINE, { ...MACHINE, id: 'ps3', name: 'gpuburst-x~other-session' }] });
  expect((await provider().listMachines({ name: 'gpuburst-x' })).map((m) => m.id)).toEqual(['ps3']);
});

test('a 2xx body that is only {code, message} is an error', async () => {
  api().get('/machines/psabc1234').reply(200, { code: 'FORBIDDEN', message: 'Not allowed' });
  await expect(provider().getMachine({ id: 'psabc1234' })).rejects.toMatchObject({ code: 'ERR_AUTH' });
});

test('an auth failure never shows the key', async () => {
  api().get('/machines').query(true).reply(401, { code: 'UNAUTHORIZED', message: `Invalid API key ${KEY}` });
  const err = await provider().listMachines({}).catch((e) => e);
  expect(err).toMatchObject({ code: 'ERR_AUTH' });
  expect(`${err.message} ${err.stack}`).not.toContain(KEY);
});

test('kill switch: look the machine up by name, then DELETE it with the remote key; none without a key', () => {
  const ks = provider().killSwitch({ name: 'gpuburst-s1-abc', remoteKey: 'remote-key-123456' });
  expect(ks).toEqual({
    env: { GPUBURST_API_URL: BASE, GPUBURST_REMOTE_KEY: 'remote-key-123456', GPUBURST_MACHINE_NAME: 'gpuburst-s1-abc' },
    lookup: {
      url: '${GPUBURST_API_URL}/machines?name=${GPUBURST_MACHINE_NAME}',
      headers: { Authorization: 'Bearer ${GPUBURST_REMOTE_KEY}' },
      listPath: 'items',
      nameField: 'name',
      idField: 'id',
    },
    terminate: { method: 'DELETE', url: '${GPUBURST_API_URL}/machines/${MACHINE_ID}', headers: { Authorization: 'Bearer ${GPUBURST_REMOTE_KEY}' } },
  });
  expect(() => provider().killSwitch({ name: 'gpuburst-s1-abc' })).toThrow(expect.objectContaining({ code: 'ERR_UNSUPPORTED' }));
});

test('sweep: deletes gpuburst- startup scripts whose machine is gone, keeps the others', async () => {
  api()
    .get('/startup-scripts')
    .query({ limit: '100' })
    .reply(200, { hasMore: false, items: [SCRIPT, { ...SCRIPT, id: 'scold', name: 'gpuburst-old-1' }, { ...SCRIPT, id: 'scmine', name: 'my-own-script' }] });
  api().get('/machines').query(true).reply(200, { hasMore: false, items: [MACHINE] });
  api().delete('/startup-scripts/scold').reply(200, { ...SCRIPT, id: 'scold' });
  const swept = await provider().sweepLeftovers({});
  expect(swept.map((s) => [s.id, s.deleted])).toEqual([['scold', true]]);
});
