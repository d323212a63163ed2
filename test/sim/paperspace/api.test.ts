/**
 * The simulated Paperspace v1 API on the wire: auth, envelopes (bare get, `{data, event}` mutations, paged lists),
 * `{code, message, details?}` errors, and refusal of what the real API refuses (docs/reference/paperspace.md §1, §3, §4, §7).
 */
import { call, createBody, createMachine, NY2, Sim, startSim, TEMPLATE } from './helpers';

let sim: Sim;
beforeAll(async () => {
  sim = await startSim();
});
afterAll(() => sim.close());

describe('auth', () => {
  test('no key, a wrong key and the retired x-api-key header are all 401 UNAUTHORIZED', async () => {
    const none = await fetch(`${sim.api}/machines`);
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ code: 'UNAUTHORIZED', message: expect.any(String) });
    expect((await call(sim, 'GET', '/machines', undefined, { authorization: 'Bearer wrong-key-123' })).status).toBe(401);
    const legacy = await fetch(`${sim.api}/machines`, { headers: { 'x-api-key': sim.key } });
    expect(legacy.status).toBe(401);
  });

  test('the env points at /v1 with the test key', () => {
    expect(sim.env.GPUBURST_PAPERSPACE_API_URL).toBe(`${sim.url}/v1`);
    expect(sim.env.PAPERSPACE_API_KEY).toBe(sim.key);
  });
});

describe('errors', () => {
  test('unknown path 404 NOT_FOUND, wrong method 405 METHOD_NOT_SUPPORTED, malformed JSON 400 PARSE_ERROR', async () => {
    expect(await call(sim, 'GET', '/nothing-here')).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
    expect(await call(sim, 'PUT', '/machine-availability')).toMatchObject({ status: 405, body: { code: 'METHOD_NOT_SUPPORTED' } });
    expect(await call(sim, 'POST', '/machines', '{"name": ')).toMatchObject({ status: 400, body: { code: 'PARSE_ERROR' } });
  });

  test.each(['name', 'machineType', 'templateId', 'diskSize', 'region'])('create without %s is 400 BAD_REQUEST with details', async (field) => {
    const body = createBody();
    delete body[field];
    const res = await call(sim, 'POST', '/machines', body);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining(field), details: { issues: expect.any(Array) } });
  });

  test.each([
    ['numbers as strings (as the DO docs example sends them)', { diskSize: '50' }],
    ['booleans as strings', { autoShutdownEnabled: 'true', autoShutdownTimeout: 6 }],
    ['an unknown field', { size: 50 }],
    ['an unknown machine type', { machineType: 'RTX9090' }],
    ['a region spelled differently', { region: 'NY2' }],
    ['an unknown template', { templateId: 'tnope' }],
    ['a template without that machine type', { machineType: 'H100', templateId: 'twnlo3zj' }],
    ['a disk size outside the accepted set', { diskSize: 40 }],
    ['an unknown startup script', { startupScriptId: 'scnope' }],
    ['a bad publicIpType', { publicIpType: 'elastic' }],
    ['an auto-shutdown over a week', { autoShutdownEnabled: true, autoShutdownTimeout: 200 }],
  ])('create with %s is refused', async (_what, extra) => {
    const res = await call(sim, 'POST', '/machines', createBody(extra));
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('BAD_REQUEST');
    expect(sim.state().machines).toHaveLength(0);
  });
});

describe('envelopes', () => {
  test('create is {data, event}; get is the bare machine; delete is {data, event} and then 404', async () => {
    const created = await createMachine(sim, { publicIpType: 'dynamic', startOnCreate: false, emailPassword: false });
    expect(Object.keys(created).sort()).toEqual(['data', 'event']);
    expect(created.data).toMatchObject({ name: 'gpuburst-s1-a', state: 'provisioning', machineType: 'A4000', region: NY2, publicIp: null, publicIpType: 'dynamic', storageTotal: 50 * 1024 ** 3, usageRate: 0.76, accelerators: [{ name: 'A4000', count: 1, memory: 16 }] });
    expect(created.event).toMatchObject({ name: 'create', state: 'new', machineId: created.data.id, error: null });
    const id = created.data.id;
    const got = await call(sim, 'GET', `/machines/${id}`);
    expect(got.body.id).toBe(id);
    expect(got.body.data).toBeUndefined();
    const deleted = await call(sim, 'DELETE', `/machines/${id}`);
    expect(deleted.body).toMatchObject({ data: { id }, event: { name: 'deactivate', state: 'done' } });
    expect(await call(sim, 'GET', `/machines/${id}`)).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
    expect((await call(sim, 'DELETE', `/machines/${id}`)).status).toBe(404);
    expect(sim.state().machines.find((m) => m.id === id)).toMatchObject({ status: 'deleted', billing: false, terminatedAt: expect.any(String) });
  });

  test('lists page with limit/after/hasMore/nextPage and refuse bad limits and cursors', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await createMachine(sim, { name: `gpuburst-page-${i}`, startOnCreate: false })).data.id);
    const seen: string[] = [];
    let after: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const res = await call(sim, 'GET', `/machines?limit=2${after ? `&after=${after}` : ''}`);
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((m: { id: string }) => m.id));
      if (!res.body.hasMore) {
        expect(res.body.nextPage).toBeUndefined();
        break;
      }
      after = res.body.nextPage;
    }
    expect(seen).toEqual(ids);
    expect((await call(sim, 'GET', '/machines?limit=0')).status).toBe(400);
    expect((await call(sim, 'GET', '/machines?limit=121')).status).toBe(400);
    expect((await call(sim, 'GET', '/machines?after=psnope')).status).toBe(400);
    expect((await call(sim, 'GET', '/machines?orderBy=price')).status).toBe(400);
    const byName = await call(sim, 'GET', '/machines?name=gpuburst-page-3');
    expect(byName.body.items.map((m: { id: string }) => m.id)).toEqual([ids[3]]);
    for (const id of ids) await call(sim, 'DELETE', `/machines/${id}`);
  });

  test('machine availability needs both parameters and answers {available}', async () => {
    expect(await call(sim, 'GET', `/machine-availability?machineType=A4000&region=${encodeURIComponent(NY2)}`)).toMatchObject({ status: 200, body: { available: true } });
    expect((await call(sim, 'GET', `/machine-availability?machineType=H100&region=${encodeURIComponent('Europe (AMS1)')}`)).body).toEqual({ available: false });
    expect((await call(sim, 'GET', '/machine-availability?machineType=A4000')).status).toBe(400);
    expect((await call(sim, 'GET', `/machine-availability?machineType=RTX9090&region=${encodeURIComponent(NY2)}`)).status).toBe(400);
  });

  test('templates list under /os-templates (and the older /templates)', async () => {
    const res = await call(sim, 'GET', '/os-templates?limit=120');
    expect(res.body).toMatchObject({ hasMore: false });
    expect(res.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ id: TEMPLATE, name: 'Ubuntu 22.04 MLaiB', operatingSystemLabel: 'Ubuntu 22.04', availableMachineTypes: expect.any(Array) })]));
    expect((await call(sim, 'GET', '/templates')).status).toBe(200);
  });

  test('startup scripts: create answers the script object without its text; list by name; delete then 404', async () => {
    const res = await call(sim, 'POST', '/startup-scripts', { name: 'gpuburst-s-x', script: 'echo hi', isRunOnce: true });
    expect(res.body).toEqual({ id: expect.any(String), name: 'gpuburst-s-x', description: null, isEnabled: true, isRunOnce: true, assignedMachineIds: [], dtCreated: expect.any(String), dtDeleted: null });
    expect((await call(sim, 'POST', '/startup-scripts', { name: 'x', script: 'echo', runOnce: true })).status).toBe(400);
    expect((await call(sim, 'POST', '/startup-scripts', { name: 'x' })).status).toBe(400);
    const listed = await call(sim, 'GET', '/startup-scripts?name=gpuburst-s-x');
    expect(listed.body.items.map((s: { id: string }) => s.id)).toEqual([res.body.id]);
    expect((await call(sim, 'DELETE', `/startup-scripts/${res.body.id}`)).body.dtDeleted).toEqual(expect.any(String));
    expect((await call(sim, 'GET', `/startup-scripts/${res.body.id}`)).status).toBe(404);
    expect((await call(sim, 'DELETE', `/startup-scripts/${res.body.id}`)).status).toBe(404);
  });

  test('a machine created with a script is listed on the script', async () => {
    const script = await call(sim, 'POST', '/startup-scripts', { name: 'gpuburst-s-y', script: 'echo hi' });
    const m = await createMachine(sim, { startupScriptId: script.body.id, startOnCreate: false });
    expect((await call(sim, 'GET', `/startup-scripts/${script.body.id}`)).body.assignedMachineIds).toEqual([m.data.id]);
    await call(sim, 'DELETE', `/machines/${m.data.id}`);
    expect((await call(sim, 'GET', `/startup-scripts/${script.body.id}`)).body.assignedMachineIds).toEqual([]);
  });

  test('events of a machine list newest first on request', async () => {
    const m = await createMachine(sim, { startOnCreate: false });
    await call(sim, 'DELETE', `/machines/${m.data.id}`);
    const res = await call(sim, 'GET', `/machine-events?machineId=${m.data.id}&orderBy=dtCreated&order=desc`);
    expect(res.body.items.map((e: { name: string }) => e.name)).toEqual(['deactivate', 'create']);
    expect((await call(sim, 'GET', `/machine-events/${res.body.items[0].id}`)).body).toMatchObject({ name: 'deactivate', machineId: m.data.id });
  });

  test('faults: a 429 with Retry-After can be injected', async () => {
    sim.server.faults.add({ fault: { kind: 'status', status: 429, headers: { 'retry-after': '2' }, body: { code: 'TOO_MANY_REQUESTS', message: 'Too many requests' } }, path: '^/v1/machines$', times: 1 });
    const res = await call(sim, 'GET', '/machines');
    expect(res).toMatchObject({ status: 429, body: { code: 'TOO_MANY_REQUESTS' } });
    expect(res.headers.get('retry-after')).toBe('2');
    expect((await call(sim, 'GET', '/machines')).status).toBe(200);
  });
});
