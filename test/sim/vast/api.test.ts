/** The Vast simulator's API surface: auth, search, create validation and errors, envelopes, rate limits. */
import type { ProviderSim } from '../../../src/sim/common/types';
import { start } from '../../../src/sim/vast';
import { call, createBody, FAST } from './helpers';

let sim: ProviderSim;
beforeAll(async () => {
  sim = await start({ timings: FAST, rateLimits: false });
});
afterAll(() => sim.close());

describe('auth', () => {
  test('Bearer or ?api_key= is accepted; a bad or missing key gets the documented 401 body', async () => {
    expect((await call(sim, 'GET', '/api/v0/users/current/')).status).toBe(200);
    expect((await call(sim, 'GET', '/api/v0/users/current/', { key: null, query: { api_key: sim.env.VAST_API_KEY } })).status).toBe(200);
    for (const key of ['wrong-key', null]) {
      const r = await call(sim, 'GET', '/api/v0/instances/1/', { key });
      expect([r.status, r.json]).toEqual([401, { success: false, error: 'auth_error', msg: 'Invalid user key' }]);
    }
  });

  test('search is public, but a key that is sent must be valid', async () => {
    expect((await call(sim, 'POST', '/api/v0/bundles/', { key: null, body: {} })).status).toBe(200);
    expect((await call(sim, 'POST', '/api/v0/bundles/', { key: 'bogus', body: {} })).status).toBe(401);
  });

  test('env points gpuburst at the v0 base with the test key', () => {
    expect(sim.env.GPUBURST_VAST_API_URL).toBe(`${sim.url}/api/v0`);
    expect(sim.env.VAST_API_KEY).toMatch(/^vastsim-/);
    expect(sim.env.GPUBURST_VAST_RATE_LIMITS).toBe('off');
  });
});

describe('POST /api/v0/bundles/', () => {
  const search = async (body: unknown) => call(sim, 'POST', '/api/v0/bundles/', { body });

  test('operators, order and limit; gpu_name with spaces; MB units; offers as an array', async () => {
    const r = await search({ verified: { eq: true }, gpu_name: { in: ['RTX 4090', 'RTX 3090'] }, gpu_ram: { gte: 24000 }, order: [['dph_total', 'desc']], limit: 2, type: 'ondemand' });
    expect(r.status).toBe(200);
    expect(Array.isArray(r.json.offers)).toBe(true);
    expect(r.json.offers.map((o: any) => o.gpu_name)).toEqual(['RTX 4090', 'RTX 4090']);
    expect(r.json.offers[0].dph_total).toBeGreaterThan(r.json.offers[1].dph_total);
    const cheap = await search({ dph_total: { lt: 0.2 }, gpu_name: { notin: ['RTX 3060'] }, num_gpus: { neq: 2 } });
    expect(cheap.json.offers.map((o: any) => o.gpu_name)).toEqual(['RTX 3090']);
  });

  test('filters that exclude: unverified hosts, rented asks', async () => {
    const all = (await search({ verified: { eq: true }, rented: { eq: false } })).json.offers.map((o: any) => o.gpu_name);
    expect(all).not.toContain('RTX 3060'); // unverified
    expect(all).not.toContain('L40S'); // no free slot
    expect((await search({ verified: { eq: false } })).json.offers.map((o: any) => o.gpu_name)).toEqual(['RTX 3060']);
  });

  test('dph_total includes storage at allocated_storage; min_bid is there for bids', async () => {
    const q = { gpu_name: { eq: 'RTX 3090' } };
    const at8 = (await search(q)).json.offers[0];
    const at100 = (await search({ ...q, allocated_storage: 100, type: 'bid' })).json.offers[0];
    expect(at8.dph_total).toBeCloseTo(at8.dph_base + (8 * at8.storage_cost) / 720, 9);
    expect(at100.dph_total).toBeCloseTo(at100.dph_base + (100 * at100.storage_cost) / 720, 9);
    expect(at100.min_bid).toBeLessThan(at100.dph_base);
  });

  test('a bad query is a 400: unknown operator, unknown key, bad order, type, limit, malformed JSON', async () => {
    for (const body of [{ gpu_ram: { approx: 1 } }, { gpu_colour: { eq: 'green' } }, { order: 'dph_total' }, { type: 'spot' }, { limit: 0 }, { gpu_name: { in: 'RTX 4090' } }]) {
      const r = await search(body);
      expect([r.status, r.json.success, r.json.error]).toEqual([400, false, 'invalid_args']);
    }
    expect((await call(sim, 'POST', '/api/v0/bundles/', { raw: '{"verified": ' })).status).toBe(400);
  });
});

describe('PUT /api/v0/asks/{id}/', () => {
  test('success: {success, new_contract, instance_api_key}', async () => {
    const r = await call(sim, 'PUT', '/api/v0/asks/31005/', { body: createBody({ label: 'gpuburst-api-ok' }) });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ success: true, new_contract: expect.any(Number), instance_api_key: expect.stringMatching(/^[0-9a-f]{64}$/) });
    await call(sim, 'DELETE', `/api/v0/instances/${r.json.new_contract}/`);
  });

  test.each([
    ['a non-numeric ask id', '/api/v0/asks/abc/', createBody()],
    ['no image', '/api/v0/asks/31005/', createBody({ image: undefined })],
    ['disk under 8 GB', '/api/v0/asks/31005/', createBody({ disk: 4 })],
    ['an unknown runtype', '/api/v0/asks/31005/', createBody({ runtype: 'ssh_direc' })],
    ['a label over 256', '/api/v0/asks/31005/', createBody({ label: 'l'.repeat(257) })],
    ['onstart over 4096', '/api/v0/asks/31005/', createBody({ runtype: 'ssh', onstart: 'o'.repeat(4097) })],
    ['an env entry over 256', '/api/v0/asks/31005/', createBody({ env: { BIG: 'b'.repeat(256) } })],
    ['a bid over 128', '/api/v0/asks/31005/', createBody({ price: 129 })],
    ['an env list', '/api/v0/asks/31005/', createBody({ env: ['A=1'] })],
  ])('%s is a 400 invalid_args and creates nothing', async (_what, path, body) => {
    const before = sim.state().machines.length;
    const r = await call(sim, 'PUT', path, { body });
    expect([r.status, r.json.success, r.json.error]).toEqual([400, false, 'invalid_args']);
    expect(sim.state().machines).toHaveLength(before);
  });

  test('malformed JSON and a missing key are refused', async () => {
    expect((await call(sim, 'PUT', '/api/v0/asks/31005/', { raw: '{"image":' })).status).toBe(400);
    expect((await call(sim, 'PUT', '/api/v0/asks/31005/', { key: null, body: createBody() })).status).toBe(401);
  });

  test('an unknown or fully rented ask: 404 no_such_ask, verbatim shape', async () => {
    for (const id of [99999, 31009]) {
      const r = await call(sim, 'PUT', `/api/v0/asks/${id}/`, { body: createBody() });
      expect(r.status).toBe(404);
      expect(r.json).toEqual({ success: false, error: 'invalid_args', msg: `error 404/3603: no_such_ask Instance type by id ${id} is not available.`, ask_id: id });
    }
  });

  test('the env string form is accepted and stored as Vast stores env', async () => {
    const r = await call(sim, 'PUT', '/api/v0/asks/31005/', { body: createBody({ label: 'gpuburst-str', env: '-e HF_TOKEN=hf_x -p 8188:8188' }) });
    expect(r.status).toBe(200);
    const inst = (await call(sim, 'GET', `/api/v0/instances/${r.json.new_contract}/`)).json.instances;
    expect(inst.extra_env).toEqual([['HF_TOKEN', 'hf_x'], ['-p 8188:8188', '1']]);
    await call(sim, 'DELETE', `/api/v0/instances/${r.json.new_contract}/`);
  });
});

describe('instances', () => {
  test('GET of an unknown id is {"instances": null}; a bad id is a 400; unknown paths are an HTML 404', async () => {
    expect((await call(sim, 'GET', '/api/v0/instances/424242/')).json).toEqual({ instances: null });
    expect((await call(sim, 'GET', '/api/v0/instances/x1/')).status).toBe(400);
    const r = await call(sim, 'GET', '/api/v0/pods/');
    expect([r.status, r.headers.get('content-type')]).toEqual([404, 'text/html']);
  });

  test('PUT needs state or label, and only running/stopped', async () => {
    const id = (await call(sim, 'PUT', '/api/v0/asks/31005/', { body: createBody({ label: 'gpuburst-put' }) })).json.new_contract;
    expect((await call(sim, 'PUT', `/api/v0/instances/${id}/`, { body: {} })).status).toBe(400);
    expect((await call(sim, 'PUT', `/api/v0/instances/${id}/`, { body: { state: 'paused' } })).status).toBe(400);
    expect((await call(sim, 'PUT', `/api/v0/instances/${id}/`, { body: { label: 'gpuburst-renamed' } })).json).toEqual({ success: true });
    expect((await call(sim, 'GET', `/api/v0/instances/${id}/`)).json.instances.label).toBe('gpuburst-renamed');
    expect((await call(sim, 'PUT', '/api/v0/instances/424242/', { body: { state: 'stopped' } })).status).toBe(404);
    await call(sim, 'DELETE', `/api/v0/instances/${id}/`);
  });

  test('v1 list: pages of at most 25 with next_token, label filter, label_counts; computed columns are a 400', async () => {
    await call(sim, 'POST', '/_sim/capacity', { body: { ask_id: 31005, slots: 100 } });
    const ids: number[] = [];
    for (let i = 0; i < 27; i++) ids.push((await call(sim, 'PUT', '/api/v0/asks/31005/', { body: createBody({ label: `gpuburst-l${i % 2}` }) })).json.new_contract);
    const page1 = (await call(sim, 'GET', '/api/v1/instances/', { query: { limit: '100', select_filters: '{}' } })).json;
    expect(page1.instances).toHaveLength(25);
    expect(page1.total_instances).toBe(27);
    const page2 = (await call(sim, 'GET', '/api/v1/instances/', { query: { limit: '25', after_token: page1.next_token } })).json;
    expect([...page1.instances, ...page2.instances].map((i: any) => i.id)).toEqual(ids);
    expect(page2.next_token).toBeNull();
    const byLabel = (await call(sim, 'GET', '/api/v1/instances/', { query: { limit: '25', select_filters: '{"label":{"eq":"gpuburst-l1"}}' } })).json;
    expect(byLabel.instances.every((i: any) => i.label === 'gpuburst-l1')).toBe(true);
    expect(byLabel.label_counts).toEqual({ 'gpuburst-l1': 13 });
    expect((await call(sim, 'GET', '/api/v1/instances/')).json.instances).toHaveLength(5); // server default
    const computed = await call(sim, 'GET', '/api/v1/instances/', { query: { select_filters: '{"dph_total":{"lt":1}}' } });
    expect([computed.status, computed.json.error]).toEqual([400, 'invalid_request']);
    expect((await call(sim, 'GET', '/api/v1/instances/', { query: { after_token: 'garbage' } })).json.error).toBe('invalid_token');
    for (const id of ids) await call(sim, 'DELETE', `/api/v0/instances/${id}/`);
    await call(sim, 'POST', '/_sim/capacity', { body: { ask_id: 31005, slots: 8 } });
  });
});

describe('rate limits', () => {
  test('too soon on one endpoint: 429, plain text or {"detail"}, never Retry-After; other endpoints unaffected', async () => {
    for (const rateLimitBody of ['text', 'json'] as const) {
      const limited = await start({ timings: FAST, rateLimits: { show: { minIntervalSeconds: 60 } }, rateLimitBody });
      try {
        expect((await call(limited, 'GET', '/api/v0/instances/1/')).status).toBe(200);
        const r = await call(limited, 'GET', '/api/v0/instances/2/');
        expect(r.status).toBe(429);
        expect(r.headers.get('retry-after')).toBeNull();
        if (rateLimitBody === 'text') expect(r.text).toBe('API requests too frequent endpoint threshold=60.0');
        else expect(r.json).toEqual({ detail: 'API requests too frequent endpoint threshold=60.0' });
        expect((await call(limited, 'POST', '/api/v0/bundles/', { body: {} })).status).toBe(200);
        // Another identity has its own budget.
        expect((await call(limited, 'GET', '/api/v0/instances/1/', { key: null, query: { api_key: limited.env.VAST_API_KEY } })).status).toBe(429);
      } finally {
        await limited.close();
      }
    }
  });

  test('search: 10 per minute; documented limits by default, exported as the adapter pacing', async () => {
    const limited = await start({ timings: FAST });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 11; i++) statuses.push((await call(limited, 'POST', '/api/v0/bundles/', { body: {} })).status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(10);
      expect(statuses[10]).toBe(429);
      expect(JSON.parse(limited.env.GPUBURST_VAST_RATE_LIMITS)).toEqual({ search: 6, create: 4.5, show: 2, manage: 1, destroy: 3, list: 1 });
    } finally {
      await limited.close();
    }
  });
});
