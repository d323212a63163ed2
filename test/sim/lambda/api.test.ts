/**
 * The Lambda simulator's API surface: auth, envelopes, validation that mirrors the real API, capacity, keys,
 * rulesets and rate limits (docs/reference/lambda.md §1–§7).
 */
import { call, launchBody, prepare, startSim } from './helpers';

type Sim = Awaited<ReturnType<typeof startSim>>;

describe('lambda simulator API', () => {
  let sim: Sim;
  beforeAll(async () => {
    sim = await startSim();
    await prepare(sim);
  });
  afterAll(() => sim.close());

  describe('auth', () => {
    test('no Authorization header: 401 global/invalid-api-key with the spec default texts', async () => {
      const r = await call(sim, 'GET', '/instances', undefined, { authorization: '' });
      expect(r).toEqual({
        status: 401,
        body: { error: { code: 'global/invalid-api-key', message: 'API key was invalid, expired, or deleted.', suggestion: 'Check your API key or create a new one, then try again.' } },
      });
    });

    test('a wrong key is refused, also on unknown paths', async () => {
      expect((await call(sim, 'GET', '/instances', undefined, { authorization: 'Bearer nope' })).status).toBe(401);
      expect((await call(sim, 'GET', '/nowhere', undefined, { authorization: 'Bearer nope' })).status).toBe(401);
    });

    test('Basic auth as curl -u key: sends it, and the raw key form', async () => {
      const curl = Buffer.from(`${sim.key}:`).toString('base64');
      expect((await call(sim, 'GET', '/instances', undefined, { authorization: `Basic ${curl}` })).status).toBe(200);
      expect((await call(sim, 'GET', '/instances', undefined, { authorization: `Basic ${sim.key}` })).status).toBe(200);
    });

    test('unknown path or method with a valid key: 404 global/not-found', async () => {
      expect((await call(sim, 'GET', '/nowhere')).body.error.code).toBe('global/not-found');
      expect((await call(sim, 'DELETE', '/instances')).status).toBe(404);
    });
  });

  test('GET /instance-types: object keyed by type name; capacity per region; sold-out types have []', async () => {
    const r = await call(sim, 'GET', '/instance-types');
    expect(r.status).toBe(200);
    const a10 = r.body.data.gpu_1x_a10;
    expect(a10.instance_type).toEqual({
      name: 'gpu_1x_a10',
      description: '1x A10 (24 GB PCIe)',
      gpu_description: 'A10 (24 GB PCIe)',
      price_cents_per_hour: 75,
      specs: { vcpus: 30, memory_gib: 200, storage_gib: 1400, gpus: 1 },
    });
    expect(a10.regions_with_capacity_available).toContainEqual({ name: 'us-west-1', description: 'California, USA' });
    expect(r.body.data.gpu_8x_h100_sxm5.regions_with_capacity_available).toEqual([]);
  });

  describe('launch validation', () => {
    const bad = (status: number, code: string) => ({ status, code });
    test.each([
      ['missing region_name', { region_name: undefined }, bad(400, 'global/invalid-parameters')],
      ['two ssh keys', { ssh_key_names: ['gpuburst', 'other'] }, bad(400, 'global/invalid-parameters')],
      ['no ssh key', { ssh_key_names: [] }, bad(400, 'global/invalid-parameters')],
      ['name of 65 characters', { name: 'x'.repeat(65) }, bad(400, 'global/invalid-parameters')],
      ['tag key with capitals', { tags: [{ key: 'Managed-By', value: 'x' }] }, bad(400, 'global/invalid-parameters')],
      ['tag key of 56 characters', { tags: [{ key: 'a'.repeat(56), value: 'x' }] }, bad(400, 'global/invalid-parameters')],
      ['tag value of 129 characters', { tags: [{ key: 'k1', value: 'v'.repeat(129) }] }, bad(400, 'global/invalid-parameters')],
      ['quantity 2', { quantity: 2 }, bad(400, 'global/invalid-parameters')],
      ['user_data over 1 MB', { user_data: 'x'.repeat(1024 * 1024 + 1) }, bad(400, 'global/invalid-parameters')],
      ['bad hostname', { hostname: '-Bad' }, bad(400, 'global/invalid-parameters')],
      ['image with both id and family', { image: { id: 'a', family: 'b' } }, bad(400, 'global/invalid-parameters')],
      ['unknown region', { region_name: 'mars-north-1' }, bad(400, 'global/invalid-parameters')],
      ['unknown instance type', { instance_type_name: 'gpu_1x_nothing' }, bad(400, 'global/invalid-parameters')],
      ['unknown ssh key', { ssh_key_names: ['missing'] }, bad(404, 'global/object-does-not-exist')],
      ['unknown filesystem', { file_system_names: ['fs'] }, bad(404, 'global/object-does-not-exist')],
      ['unknown ruleset', { firewall_rulesets: [{ id: 'nope' }] }, bad(404, 'global/object-does-not-exist')],
    ])('%s is refused', async (_what, change, expected) => {
      const before = sim.state().machines.length;
      const r = await call(sim, 'POST', '/instance-operations/launch', launchBody(change));
      expect({ status: r.status, code: r.body.error.code }).toEqual(expected);
      expect(typeof r.body.error.message).toBe('string');
      expect(sim.state().machines).toHaveLength(before);
    });

    test('quantity > 1: "Requested too many instances."', async () => {
      const r = await call(sim, 'POST', '/instance-operations/launch', launchBody({ quantity: 2 }));
      expect(r.body.error.message).toBe('Requested too many instances.');
    });

    test('malformed JSON and non-object bodies are invalid-parameters', async () => {
      expect((await call(sim, 'POST', '/instance-operations/launch', '{"region_name":')).body.error.code).toBe('global/invalid-parameters');
      expect((await call(sim, 'POST', '/instance-operations/launch', [])).status).toBe(400);
    });

    test('the launch-resource 404 carries a suggestion', async () => {
      const r = await call(sim, 'POST', '/instance-operations/launch', launchBody({ ssh_key_names: ['missing'] }));
      expect(typeof r.body.error.suggestion).toBe('string');
    });

    test('a ruleset from another region is refused', async () => {
      const rs = await call(sim, 'POST', '/firewall-rulesets', { name: 'east', region: 'us-east-1', rules: [] });
      const r = await call(sim, 'POST', '/instance-operations/launch', launchBody({ firewall_rulesets: [{ id: rs.body.data.id }] }));
      expect(r.body.error).toMatchObject({ code: 'global/invalid-parameters' });
    });

    test('quantity 1 and fields the schema does not name are accepted; the answer holds only ids', async () => {
      const r = await call(sim, 'POST', '/instance-operations/launch', launchBody({ quantity: 1, file_system_names: [], something_new: true }));
      expect(r.status).toBe(200);
      expect(Object.keys(r.body)).toEqual(['data']);
      expect(r.body.data).toEqual({ instance_ids: [expect.stringMatching(/^[0-9a-f]{32}$/)] });
      await call(sim, 'POST', '/instance-operations/terminate', { instance_ids: r.body.data.instance_ids });
    });
  });

  describe('capacity', () => {
    afterEach(() => fetch(`${sim.url}/_sim/capacity`, { method: 'POST', body: JSON.stringify({ instance_type_name: 'gpu_1x_a6000', region_name: 'us-west-1', slots: 4, fail_launches: 0 }) }));
    const admin = (body: unknown) => fetch(`${sim.url}/_sim/capacity`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const regionsOf = async (type: string) => (await call(sim, 'GET', '/instance-types')).body.data[type].regions_with_capacity_available.map((r: { name: string }) => r.name);

    test('no slots: gone from the listing and the launch fails with insufficient-capacity', async () => {
      expect((await admin({ instance_type_name: 'gpu_1x_a6000', region_name: 'us-west-1', slots: 0 })).status).toBe(200);
      expect(await regionsOf('gpu_1x_a6000')).not.toContain('us-west-1');
      const r = await call(sim, 'POST', '/instance-operations/launch', launchBody({ instance_type_name: 'gpu_1x_a6000' }));
      expect(r.status).toBe(400);
      expect(r.body.error).toMatchObject({ code: 'instance-operations/launch/insufficient-capacity', message: 'Not enough capacity to fulfill launch request.' });
      expect(r.body.error.suggestion).toContain('us-midwest-1');
    });

    test('fail_launches: listed, yet the next launch fails (the listing/launch race), the one after succeeds', async () => {
      await admin({ instance_type_name: 'gpu_1x_a6000', region_name: 'us-west-1', fail_launches: 1 });
      expect(await regionsOf('gpu_1x_a6000')).toContain('us-west-1');
      const body = launchBody({ instance_type_name: 'gpu_1x_a6000' });
      expect((await call(sim, 'POST', '/instance-operations/launch', body)).body.error.code).toBe('instance-operations/launch/insufficient-capacity');
      const ok = await call(sim, 'POST', '/instance-operations/launch', body);
      expect(ok.status).toBe(200);
      await call(sim, 'POST', '/instance-operations/terminate', { instance_ids: ok.body.data.instance_ids });
    });

    test('bad admin bodies are refused', async () => {
      expect((await admin({ instance_type_name: 'gpu_1x_nothing', slots: 1 })).status).toBe(400);
      expect((await admin({ slots: -1 })).status).toBe(400);
    });
  });

  describe('ssh keys', () => {
    test('generated pair: private key returned once, never listed; names are unique', async () => {
      const r = await call(sim, 'POST', '/ssh-keys', { name: 'generated' });
      expect(r.body.data).toEqual({ id: expect.any(String), name: 'generated', public_key: expect.any(String), private_key: expect.stringContaining('PRIVATE KEY') });
      const listed = (await call(sim, 'GET', '/ssh-keys')).body.data.find((k: { name: string }) => k.name === 'generated');
      expect(listed).not.toHaveProperty('private_key');
      const dup = await call(sim, 'POST', '/ssh-keys', { name: 'generated', public_key: 'ssh-ed25519 AAAA' });
      expect(dup.status).toBe(400);
      expect(dup.body.error.message).toContain('must be unique');
      expect(await call(sim, 'DELETE', `/ssh-keys/${listed.id}`)).toEqual({ status: 200, body: { data: {} } });
      expect((await call(sim, 'DELETE', `/ssh-keys/${listed.id}`)).status).toBe(404);
    });

    test('names of 0 or 65 characters are refused', async () => {
      expect((await call(sim, 'POST', '/ssh-keys', { name: '' })).status).toBe(400);
      expect((await call(sim, 'POST', '/ssh-keys', { name: 'k'.repeat(65) })).status).toBe(400);
    });
  });

  describe('firewall rulesets', () => {
    test.each([
      ['icmp with a port range', { protocol: 'icmp', port_range: [1, 1], source_network: '0.0.0.0/0', description: '' }],
      ['tcp without a port range', { protocol: 'tcp', source_network: '0.0.0.0/0', description: '' }],
      ['a reversed range', { protocol: 'tcp', port_range: [90, 80], source_network: '0.0.0.0/0', description: '' }],
      ['a bad network', { protocol: 'tcp', port_range: [80, 80], source_network: '1.2.3/8', description: '' }],
      ['no description', { protocol: 'tcp', port_range: [80, 80], source_network: '0.0.0.0/0' }],
      ['an unknown protocol', { protocol: 'sctp', port_range: [80, 80], source_network: '0.0.0.0/0', description: '' }],
    ])('%s is refused', async (_what, rule) => {
      const r = await call(sim, 'POST', '/firewall-rulesets', { name: 'bad', region: 'us-west-1', rules: [rule] });
      expect({ status: r.status, code: r.body.error.code }).toEqual({ status: 400, code: 'global/invalid-parameters' });
    });

    test('create answers the region as an object; in-use rulesets cannot be deleted', async () => {
      const rule = { protocol: 'tcp', port_range: [8188, 8188], source_network: '1.2.3.4', description: 'one host' };
      const created = await call(sim, 'POST', '/firewall-rulesets', { name: 'ok', region: 'us-west-1', rules: [rule] });
      expect(created.body.data).toEqual({ id: expect.any(String), name: 'ok', region: { name: 'us-west-1', description: 'California, USA' }, rules: [rule], created: expect.any(String), instance_ids: [] });
      const id = created.body.data.id;
      const launched = await call(sim, 'POST', '/instance-operations/launch', launchBody({ firewall_rulesets: [{ id }] }));
      expect((await call(sim, 'GET', `/firewall-rulesets/${id}`)).body.data.instance_ids).toEqual(launched.body.data.instance_ids);
      expect((await call(sim, 'DELETE', `/firewall-rulesets/${id}`)).body.error.code).toBe('firewall-rulesets/firewall-ruleset-in-use');
      await call(sim, 'POST', '/instance-operations/terminate', { instance_ids: launched.body.data.instance_ids });
    });

    test('the global rules open SSH and ICMP only', async () => {
      const r = await call(sim, 'GET', '/firewall-rulesets/global');
      expect(r.body.data.rules.map((x: { protocol: string; port_range?: number[] }) => [x.protocol, x.port_range])).toEqual([
        ['tcp', [22, 22]],
        ['icmp', undefined],
      ]);
    });
  });

  describe('terminate', () => {
    test('an unknown id: 404 object-does-not-exist "Specified instance does not exist.", and nothing else terminated', async () => {
      const ok = await call(sim, 'POST', '/instance-operations/launch', launchBody({ name: 'gpuburst-keep' }));
      const id = ok.body.data.instance_ids[0];
      const r = await call(sim, 'POST', '/instance-operations/terminate', { instance_ids: [id, 'f'.repeat(32)] });
      expect(r).toEqual({ status: 404, body: { error: { code: 'global/object-does-not-exist', message: 'Specified instance does not exist.' } } });
      expect((await call(sim, 'GET', `/instances/${id}`)).body.data.status).not.toBe('terminating');
      await call(sim, 'POST', '/instance-operations/terminate', { instance_ids: [id] });
    });

    test('instance_ids must be a non-empty list of strings', async () => {
      expect((await call(sim, 'POST', '/instance-operations/terminate', {})).status).toBe(400);
      expect((await call(sim, 'POST', '/instance-operations/terminate', { instance_ids: [] })).status).toBe(400);
    });
  });
});

describe('lambda simulator rate limits', () => {
  test('two requests inside the interval: the second is a 429; launches have their own, longer interval', async () => {
    const sim = await startSim({ rateLimits: { minIntervalMs: 60_000, launchIntervalMs: 0 } });
    try {
      expect((await call(sim, 'GET', '/instances')).status).toBe(200);
      const r = await call(sim, 'GET', '/instances');
      expect(r.status).toBe(429);
      expect(typeof r.body.error.code).toBe('string');
    } finally {
      await sim.close();
    }
    const launches = await startSim({ rateLimits: { minIntervalMs: 0, launchIntervalMs: 60_000 } });
    try {
      await prepare(launches);
      expect((await call(launches, 'POST', '/instance-operations/launch', launchBody())).status).toBe(200);
      expect((await call(launches, 'POST', '/instance-operations/launch', launchBody({ name: 'gpuburst-2' }))).status).toBe(429);
      expect((await call(launches, 'GET', '/instances')).status).toBe(200);
      expect(launches.state().machines).toHaveLength(1);
    } finally {
      await launches.close();
    }
  });

  test('the simulator tells the adapter its limits; the documented ones by default', async () => {
    const sim = await startSim({ rateLimits: undefined });
    try {
      expect(sim.env).toMatchObject({ GPUBURST_LAMBDA_MIN_INTERVAL_MS: '1000', GPUBURST_LAMBDA_LAUNCH_INTERVAL_MS: '12000', GPUBURST_LAMBDA_COMFY_PORT: '8188' });
      expect(sim.env.GPUBURST_LAMBDA_API_URL).toBe(`${sim.url}/api/v1`);
    } finally {
      await sim.close();
    }
  });
});
