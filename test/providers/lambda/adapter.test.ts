/**
 * Exact request shapes against docs/reference/lambda.md samples (nock), and the adapter's handling of the answers.
 */
import nock from 'nock';
import { vmBootstrapScript } from '../../../providers/bootstrap';
import { GpuburstError } from '../../../providers/errors';
import { createProvider } from '../../../providers/lambda';
import { lambdaName } from '../../../providers/lambda/machine';
import type { MachineSpec } from '../../../providers/types';
import { offlineWithNock } from '../support/nock';

const ORIGIN = 'https://cloud.lambda.ai';
const BASE = `${ORIGIN}/api/v1`;
const KEY = 'secret_lambda_key_0123456789abcdef';
const PRIVATE_KEY = '-----BEGIN RSA PRIVATE KEY-----\\nMIIEsecretprivatekeymaterial\\n-----END RSA PRIVATE KEY-----\\n';

// The verbatim `Instance` of the OAS restart example (docs/reference/lambda.md §4), renamed and tagged as ours.
const INSTANCE = {
  id: '0920582c7ff041399e34823a0be62549',
  name: 'gpuburst-abc123',
  ip: '198.51.100.2',
  private_ip: '10.0.2.100',
  status: 'active',
  ssh_key_names: ['My SSH key'],
  file_system_names: ['my-filesystem'],
  file_system_mounts: [{ mount_point: '/lambda/nfs/my-filesystem', file_system_id: 'a098b0c7ff041399e34823a0be62549' }],
  region: { name: 'us-west-1', description: 'California, USA' },
  instance_type: {
    name: 'gpu_8x_example',
    description: '8x Example GPU (40 GB SXM4)',
    gpu_description: 'Example GPU (40 GB SXM4)',
    price_cents_per_hour: 1592,
    specs: { vcpus: 124, memory_gib: 1800, storage_gib: 6144, gpus: 8 },
  },
  hostname: '198.51.100.2',
  is_reserved: false,
  actions: { migrate: { available: true }, rebuild: { available: true }, restart: { available: true }, cold_reboot: { available: true }, terminate: { available: true } },
  tags: [
    { key: 'managed-by', value: 'gpuburst' },
    { key: 'gpuburst-session', value: 'sess-1' },
  ],
};

function provider(extra: Record<string, string> = {}, log?: (line: string) => void) {
  return createProvider({
    baseUrl: BASE,
    apiKey: KEY,
    extra: { MIN_INTERVAL_MS: '0', LAUNCH_INTERVAL_MS: '0', CREATE_SETTLE_MS: '0', RETRY_BASE_DELAY_MS: '1', ...extra },
    log,
  });
}

function api() {
  return nock(ORIGIN, { reqheaders: { authorization: `Bearer ${KEY}` } });
}

function spec(overrides: Partial<MachineSpec> = {}): MachineSpec {
  return {
    name: 'gpuburst-abc123',
    sessionId: 'sess-1',
    offerId: 'gpu_1x_a10:us-west-1',
    image: 'ghcr.io/ai-dock/comfyui:latest-cuda',
    env: { WEB_TOKEN: 'tok-123456789' },
    ports: [{ port: 8188, protocol: 'http' }],
    diskGb: 40,
    ...overrides,
  };
}

offlineWithNock();
afterEach(() => nock.cleanAll());

describe('listOffers', () => {
  test('GET /instance-types: one offer per region with capacity, sold-out types listed unavailable, CPU types skipped', async () => {
    api()
      .get('/api/v1/instance-types')
      .reply(200, {
        data: {
          gpu_1x_a10: {
            instance_type: { name: 'gpu_1x_a10', description: '1x A10 (24 GB PCIe)', gpu_description: 'A10 (24 GB PCIe)', price_cents_per_hour: 75, specs: { vcpus: 30, memory_gib: 200, storage_gib: 1400, gpus: 1 } },
            regions_with_capacity_available: [
              { name: 'us-west-1', description: 'California, USA' },
              { name: 'us-east-1', description: 'Virginia, USA' },
            ],
          },
          gpu_8x_h100_sxm5: {
            instance_type: { name: 'gpu_8x_h100_sxm5', description: '8x H100 (80 GB SXM5)', gpu_description: 'H100 (80 GB SXM5)', price_cents_per_hour: 3192, specs: { vcpus: 208, memory_gib: 1800, storage_gib: 24780, gpus: 8 } },
            regions_with_capacity_available: [],
          },
          cpu_4x_general: {
            instance_type: { name: 'cpu_4x_general', description: '4x CPU', gpu_description: 'N/A', price_cents_per_hour: 20, specs: { vcpus: 4, memory_gib: 16, storage_gib: 100, gpus: 0 } },
            regions_with_capacity_available: [{ name: 'us-west-1', description: 'California, USA' }],
          },
        },
      });
    const offers = await provider().listOffers({});
    const base = { provider: 'lambda', interruptible: false, live: true };
    expect(offers).toEqual([
      { ...base, offerId: 'gpu_1x_a10:us-west-1', gpu: 'A10', gpuCount: 1, vramGb: 24, usdPerHour: 0.75, region: 'us-west-1', available: true },
      { ...base, offerId: 'gpu_1x_a10:us-east-1', gpu: 'A10', gpuCount: 1, vramGb: 24, usdPerHour: 0.75, region: 'us-east-1', available: true },
      { ...base, offerId: 'gpu_8x_h100_sxm5', gpu: 'H100 80GB', gpuCount: 8, vramGb: 80, usdPerHour: 31.92, region: '', available: false },
    ]);
  });

  test('filters; interruptible-only asks Lambda nothing (no spot)', async () => {
    api()
      .get('/api/v1/instance-types')
      .times(2)
      .reply(200, {
        data: {
          gpu_1x_a10: {
            instance_type: { name: 'gpu_1x_a10', description: '', gpu_description: 'A10 (24 GB PCIe)', price_cents_per_hour: 75, specs: { vcpus: 30, memory_gib: 200, storage_gib: 1400, gpus: 1 } },
            regions_with_capacity_available: [{ name: 'us-west-1', description: '' }],
          },
        },
      });
    const p = provider();
    expect(await p.listOffers({ interruptible: true })).toEqual([]);
    expect(await p.listOffers({ gpu: 'a10', maxUsdPerHour: 1 })).toHaveLength(1);
    expect(await p.listOffers({ minVramGb: 48 })).toHaveLength(0);
  });
});

describe('createMachine', () => {
  const ruleset = { id: 'c4d291f47f9d436fa39f58493ce3b50d', name: 'x', region: { name: 'us-west-1', description: 'California, USA' }, rules: [], created: '2026-01-01T00:00:00Z', instance_ids: [] };

  test('creates the SSH key and ruleset once, then POST /instance-operations/launch with the exact body', async () => {
    const lines: string[] = [];
    const s = spec();
    let rulesetName = '';
    const scope = api()
      .get('/api/v1/ssh-keys')
      .reply(200, { data: [] })
      .post('/api/v1/ssh-keys', { name: 'gpuburst' })
      .matchHeader('content-type', /application\/json/)
      .reply(200, { data: { id: 'ddf9a910ceb744a0bb95242cbba6cb50', name: 'gpuburst', public_key: 'ssh-ed25519 AAAA gpuburst', private_key: PRIVATE_KEY } })
      .get('/api/v1/firewall-rulesets')
      .reply(200, { data: [] })
      .post('/api/v1/firewall-rulesets', (body) => {
        rulesetName = body.name;
        return (
          /^gpuburst-comfyui-us-west-1-[0-9a-f]{6}$/.test(body.name) &&
          body.region === 'us-west-1' &&
          JSON.stringify(body.rules) === JSON.stringify([{ protocol: 'tcp', port_range: [8188, 8188], source_network: '0.0.0.0/0', description: 'gpuburst: ComfyUI behind its token proxy, port 8188' }])
        );
      })
      .reply(200, { data: { ...ruleset, name: 'set-by-test' } })
      .post('/api/v1/instance-operations/launch', {
        region_name: 'us-west-1',
        instance_type_name: 'gpu_1x_a10',
        ssh_key_names: ['gpuburst'],
        name: 'gpuburst-abc123',
        tags: [
          { key: 'managed-by', value: 'gpuburst' },
          { key: 'gpuburst-session', value: 'sess-1' },
        ],
        user_data: vmBootstrapScript(s, { sshUser: 'ubuntu' }),
        firewall_rulesets: [{ id: ruleset.id }],
      })
      .reply(200, { data: { instance_ids: ['0920582c7ff041399e34823a0be62549'] } })
      // The second machine reuses key and ruleset: only a launch.
      .post('/api/v1/instance-operations/launch', (body) => body.name === 'gpuburst-second' && body.firewall_rulesets[0].id === ruleset.id)
      .reply(200, { data: { instance_ids: ['1111582c7ff041399e34823a0be62549'] } });

    const p = provider({}, (l) => lines.push(l));
    const machine = await p.createMachine({ spec: s });
    expect(machine).toMatchObject({ provider: 'lambda', id: '0920582c7ff041399e34823a0be62549', name: 'gpuburst-abc123', sessionId: 'sess-1', status: 'booting', gpu: 'A10', region: 'us-west-1' });
    expect(rulesetName).toMatch(/^gpuburst-comfyui-us-west-1-/);
    await p.createMachine({ spec: spec({ name: 'gpuburst-second' }) });
    expect(scope.isDone()).toBe(true);
    expect(JSON.stringify({ machine, lines })).not.toContain('secretprivatekey');
  });

  test('reuses an existing key and ruleset found by name; ALLOW_CIDR shapes the rule', async () => {
    const p = provider({ ALLOW_CIDR: '203.0.113.7/32' });
    let expectedName = '';
    const scope = api()
      .get('/api/v1/ssh-keys')
      .reply(200, { data: [{ id: 'k1', name: 'gpuburst', public_key: 'ssh-ed25519 AAAA' }] })
      .get('/api/v1/firewall-rulesets')
      .reply(200, () => ({
        data: [
          { ...ruleset, id: 'other-region', name: expectedName, region: { name: 'us-east-1', description: '' } },
          { ...ruleset, name: expectedName },
        ],
      }))
      .post('/api/v1/instance-operations/launch', (body) => body.firewall_rulesets.length === 1 && body.firewall_rulesets[0].id === ruleset.id)
      .reply(200, { data: { instance_ids: ['0920582c7ff041399e34823a0be62549'] } });
    // The ruleset name depends on the rules, so a narrower CIDR never reuses a wide-open set.
    expectedName = (p as unknown as { prereq: { rulesetName(r: string): string } }).prereq.rulesetName('us-west-1');
    const wide = (provider() as unknown as { prereq: { rulesetName(r: string): string } }).prereq.rulesetName('us-west-1');
    expect(expectedName).not.toBe(wide);
    await p.createMachine({ spec: spec() });
    expect(scope.isDone()).toBe(true);
  });

  test('us-south-1 has no firewall control: no ruleset is looked up or attached', async () => {
    const scope = api()
      .get('/api/v1/ssh-keys')
      .reply(200, { data: [{ id: 'k1', name: 'gpuburst', public_key: 'ssh-ed25519 AAAA' }] })
      .post('/api/v1/instance-operations/launch', (body) => body.region_name === 'us-south-1' && !('firewall_rulesets' in body))
      .reply(200, { data: { instance_ids: ['0920582c7ff041399e34823a0be62549'] } });
    await provider().createMachine({ spec: spec({ offerId: 'gpu_1x_a10:us-south-1' }) });
    expect(scope.isDone()).toBe(true);
  });

  test('insufficient capacity is a CapacityError and the launch is sent once', async () => {
    const scope = api()
      .get('/api/v1/ssh-keys')
      .reply(200, { data: [{ id: 'k1', name: 'gpuburst', public_key: 'ssh-ed25519 AAAA' }] })
      .post('/api/v1/instance-operations/launch')
      .reply(400, { error: { code: 'instance-operations/launch/insufficient-capacity', message: 'Not enough capacity to fulfill launch request.' } });
    await expect(provider().createMachine({ spec: spec({ offerId: 'gpu_1x_a10:us-south-1' }) })).rejects.toMatchObject({ code: 'ERR_CAPACITY', provider: 'lambda' });
    expect(scope.isDone()).toBe(true);
  });

  test('a launch whose answer is lost is looked up by name, not sent again', async () => {
    const scope = api()
      .get('/api/v1/ssh-keys')
      .reply(200, { data: [{ id: 'k1', name: 'gpuburst', public_key: 'ssh-ed25519 AAAA' }] })
      .post('/api/v1/instance-operations/launch')
      .replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))
      .get('/api/v1/instances')
      .reply(200, { data: [{ ...INSTANCE, status: 'booting', ip: undefined }] });
    const machine = await provider().createMachine({ spec: spec({ offerId: 'gpu_1x_a10:us-south-1' }) });
    expect(machine).toMatchObject({ id: INSTANCE.id, status: 'booting', sessionId: 'sess-1' });
    expect(scope.isDone()).toBe(true);
  });

  test('an offer listed without a region takes the first region with capacity', async () => {
    const scope = api()
      .get('/api/v1/instance-types')
      .reply(200, { data: { gpu_1x_a10: { instance_type: { name: 'gpu_1x_a10', price_cents_per_hour: 75 }, regions_with_capacity_available: [{ name: 'us-south-1', description: '' }] } } })
      .get('/api/v1/ssh-keys')
      .reply(200, { data: [{ id: 'k1', name: 'gpuburst', public_key: 'ssh-ed25519 AAAA' }] })
      .post('/api/v1/instance-operations/launch', (body) => body.region_name === 'us-south-1')
      .reply(200, { data: { instance_ids: ['0920582c7ff041399e34823a0be62549'] } });
    await provider().createMachine({ spec: spec({ offerId: 'gpu_1x_a10' }) });
    expect(scope.isDone()).toBe(true);
  });

  test('names longer than 64 characters are shortened, keeping them unique', async () => {
    const long = `gpuburst-${'x'.repeat(80)}`;
    let sent = '';
    api()
      .get('/api/v1/ssh-keys')
      .reply(200, { data: [{ id: 'k1', name: 'gpuburst', public_key: 'ssh-ed25519 AAAA' }] })
      .post('/api/v1/instance-operations/launch', (body) => ((sent = body.name), true))
      .reply(200, { data: { instance_ids: ['0920582c7ff041399e34823a0be62549'] } });
    await provider().createMachine({ spec: spec({ name: long, offerId: 'gpu_1x_a10:us-south-1' }) });
    expect(sent).toHaveLength(64);
    expect(sent.startsWith('gpuburst-xxx')).toBe(true);
  });
});

describe('machines', () => {
  test('getMachine maps the verbatim instance; the endpoint is the public IP on 8188', async () => {
    api().get(`/api/v1/instances/${INSTANCE.id}`).reply(200, { data: INSTANCE });
    expect(await provider().getMachine({ id: INSTANCE.id })).toEqual({
      provider: 'lambda',
      id: INSTANCE.id,
      name: 'gpuburst-abc123',
      sessionId: 'sess-1',
      status: 'running',
      providerStatus: 'active',
      gpu: 'Example GPU',
      gpuCount: 8,
      usdPerHour: 15.92,
      endpoint: 'http://198.51.100.2:8188',
      region: 'us-west-1',
      message: undefined,
    });
  });

  test('getMachine of an id Lambda no longer knows is terminated', async () => {
    api()
      .get('/api/v1/instances/gone0000000000000000000000000000')
      .reply(404, { error: { code: 'global/object-does-not-exist', message: 'Specified instance does not exist.' } });
    expect(await provider().getMachine({ id: 'gone0000000000000000000000000000' })).toMatchObject({ status: 'terminated' });
  });

  test('booting instances have no endpoint yet', async () => {
    api().get(`/api/v1/instances/${INSTANCE.id}`).reply(200, { data: { ...INSTANCE, status: 'booting', ip: undefined, hostname: undefined } });
    const m = await provider().getMachine({ id: INSTANCE.id });
    expect(m.status).toBe('booting');
    expect(m.endpoint).toBeUndefined();
  });

  test('terminate sends {"instance_ids":[id]}; 404 counts as done', async () => {
    const scope = api()
      .post('/api/v1/instance-operations/terminate', { instance_ids: [INSTANCE.id] })
      .reply(200, { data: { terminated_instances: [{ ...INSTANCE, status: 'terminating' }] } })
      .post('/api/v1/instance-operations/terminate', { instance_ids: [INSTANCE.id] })
      .reply(404, { error: { code: 'global/object-does-not-exist', message: 'Specified instance does not exist.' } });
    const p = provider();
    await p.terminateMachine({ id: INSTANCE.id });
    await p.terminateMachine({ id: INSTANCE.id });
    expect(scope.isDone()).toBe(true);
  });

  test('listMachines keeps ours (tag or name prefix) and filters by name', async () => {
    const foreign = { ...INSTANCE, id: 'f'.repeat(32), name: 'My Instance', tags: [] };
    const byPrefix = { ...INSTANCE, id: 'b'.repeat(32), name: 'gpuburst-other', tags: undefined };
    api().get('/api/v1/instances').times(2).reply(200, { data: [INSTANCE, foreign, byPrefix] });
    const p = provider();
    expect((await p.listMachines({})).map((m) => m.id)).toEqual([INSTANCE.id, byPrefix.id]);
    expect((await p.listMachines({ name: 'gpuburst-other' })).map((m) => m.id)).toEqual([byPrefix.id]);
  });

  test('stop is unsupported, with the capability reason', async () => {
    const p = provider();
    await expect(p.stopMachine({ id: INSTANCE.id })).rejects.toMatchObject({ code: 'ERR_UNSUPPORTED', message: `lambda: ${p.capabilities().stop.reason}` });
  });

  test('an invalid key is an AuthError naming LAMBDA_API_KEY, never the key', async () => {
    api()
      .get('/api/v1/instances')
      .reply(401, { error: { code: 'global/invalid-api-key', message: 'API key was invalid, expired, or deleted.', suggestion: 'Check your API key or create a new one, then try again.' } });
    const err = (await provider().listMachines({}).catch((e) => e)) as GpuburstError;
    expect(err.code).toBe('ERR_AUTH');
    expect(err.message).toContain('LAMBDA_API_KEY');
    expect(JSON.stringify({ ...err, message: err.message, stack: err.stack, cause: String(err.cause) })).not.toContain(KEY);
  });
});

describe('killSwitch and configuration', () => {
  test('looks its own id up by name, then terminates it, with the remote key from the environment', () => {
    const ks = provider().killSwitch({ name: 'gpuburst-abc123', remoteKey: 'remote-key-123456' });
    expect(ks).toEqual({
      env: { GPUBURST_API_URL: BASE, GPUBURST_REMOTE_KEY: 'remote-key-123456' },
      lookup: { url: '${GPUBURST_API_URL}/instances', headers: { Authorization: 'Bearer ${GPUBURST_REMOTE_KEY}' }, listPath: 'data', nameField: 'name', idField: 'id', name: 'gpuburst-abc123' },
      terminate: {
        method: 'POST',
        url: '${GPUBURST_API_URL}/instance-operations/terminate',
        headers: { Authorization: 'Bearer ${GPUBURST_REMOTE_KEY}', 'Content-Type': 'application/json' },
        body: '{"instance_ids":["${MACHINE_ID}"]}',
      },
    });
  });

  test('a name longer than Lambda keeps: the watchdog looks up the shortened name the launch used', () => {
    const long = `gpuburst-${'s'.repeat(70)}`;
    const lookup = provider().killSwitch({ name: long, remoteKey: 'remote-key-123456' }).lookup!;
    expect(lookup.name).toHaveLength(64);
    expect(lookup.name).toBe(lambdaName(long));
    expect(lookup.name).not.toBe(long);
  });

  test('without a remote key there is no kill switch', () => {
    expect(() => provider().killSwitch({ name: 'gpuburst-abc123' })).toThrow(expect.objectContaining({ code: 'ERR_UNSUPPORTED' }));
  });

  test('capabilities: no stop, no spot, account-key watchdog, per-minute billing', () => {
    const caps = provider().capabilities();
    expect(caps.stop.supported).toBe(false);
    expect(caps.interruptible.supported).toBe(false);
    expect(caps.selfTerminate).toMatchObject({ supported: true, via: 'account-key', needsRemoteKey: true });
    expect(caps.selfTerminate.reason).toMatch(/full access/);
    expect(caps.billing.incrementSeconds).toBe(60);
  });

  test.each([
    ['ALLOW_CIDR', '10.0.0.300/8'],
    ['ALLOW_CIDR', 'anywhere'],
    ['MIN_INTERVAL_MS', 'fast'],
    ['COMFY_PORT', '70000'],
  ])('bad %s=%s is a BadInputError naming the variable', (key, value) => {
    expect(() => provider({ [key]: value })).toThrow(expect.objectContaining({ code: 'ERR_BAD_INPUT', message: expect.stringContaining(`GPUBURST_LAMBDA_${key}`) }));
  });
});
