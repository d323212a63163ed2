/** The Vast simulator's lifecycle, billing, per-instance key and capacity: effects on state, never timings. */
import { createMachineHost, MachineBoot, MachineHost } from '../../../src/sim/common/machine-host';
import type { ProviderSim } from '../../../src/sim/common/types';
import { start } from '../../../src/sim/vast';
import { call, createBody, FAST, until } from './helpers';

let sim: ProviderSim;
const boots: MachineBoot[] = [];
const recordingHost: MachineHost = {
  boot: (b) => {
    boots.push(b);
    return createMachineHost().boot(b);
  },
};

beforeAll(async () => {
  sim = await start({ timings: FAST, rateLimits: false, host: recordingHost });
});
afterAll(() => sim.close());

const show = async (id: number) => (await call(sim, 'GET', `/api/v0/instances/${id}/`)).json.instances;
const machine = (id: number) => sim.state().machines.find((m) => m.id === String(id))!;
async function create(over: Record<string, unknown> = {}, ask = 31001): Promise<{ id: number; key: string }> {
  const r = await call(sim, 'PUT', `/api/v0/asks/${ask}/`, { body: createBody(over) });
  expect(r.status).toBe(200);
  return { id: r.json.new_contract, key: r.json.instance_api_key };
}

test('null → loading → running; ports only when running, HostPort a string leading to the token-gated ComfyUI', async () => {
  const slow = await start({ timings: { ...FAST, provisionMs: 60_000 }, rateLimits: false });
  const fresh = (await call(slow, 'PUT', '/api/v0/asks/31001/', { body: createBody() })).json.new_contract;
  const first = (await call(slow, 'GET', `/api/v0/instances/${fresh}/`)).json.instances;
  expect([first.actual_status, first.ports, first.label]).toEqual([null, undefined, 'gpuburst-test']);
  expect(slow.state().machines[0]).toMatchObject({ running: false, billing: true, billedSeconds: 0 }); // storage only while provisioning
  await slow.close();

  const { id } = await create({ label: 'gpuburst-life' });
  const seen: (string | null)[] = [];
  const running = await until(() => show(id), (i) => {
    if (seen[seen.length - 1] !== i.actual_status) seen.push(i.actual_status);
    return i.actual_status === 'running' && i.ports;
  });
  expect(['null,loading,running', 'loading,running', 'null,running', 'running']).toContain(seen.map(String).join(','));
  expect(running.public_ipaddr).toBe('127.0.0.1 ');
  const hostPort = running.ports['8188/tcp'][0].HostPort;
  expect(typeof hostPort).toBe('string');
  expect(running.ports['8188/tcp'][0].HostIp).toBe('0.0.0.0');
  const url = `http://${running.public_ipaddr.trim()}:${hostPort}/system_stats`;
  const ok = await until(() => fetch(url, { headers: { authorization: 'Bearer tok-0123456789' } }).then((r) => r.status).catch(() => 0), (s) => s === 200);
  expect(ok).toBe(200);
  expect((await fetch(url, { redirect: 'manual' })).status).not.toBe(200);
  expect(machine(id).comfyUrl).toBe(`http://127.0.0.1:${hostPort}`);
  await call(sim, 'DELETE', `/api/v0/instances/${id}/`);
});

test('the booted machine sees the spec env plus CONTAINER_ID and a CONTAINER_API_KEY scoped to its own instance', async () => {
  const mine = await create({ label: 'gpuburst-scoped' });
  const other = await create({ label: 'gpuburst-other' });
  await until(() => boots.find((b) => b.machineId === String(mine.id)), Boolean);
  const env = boots.find((b) => b.machineId === String(mine.id))!.env;
  expect(env).toMatchObject({ OPEN_BUTTON_TOKEN: 'tok-0123456789', GPUBURST_SESSION: 's1', CONTAINER_ID: String(mine.id), CONTAINER_API_KEY: mine.key });
  expect(Object.keys(env).some((k) => k.startsWith('-p'))).toBe(false);

  const scoped = env.CONTAINER_API_KEY;
  expect((await call(sim, 'GET', `/api/v0/instances/${mine.id}/`, { key: scoped })).status).toBe(403);
  expect((await call(sim, 'POST', '/api/v0/bundles/', { key: scoped, body: {} })).status).toBe(403);
  expect((await call(sim, 'DELETE', `/api/v0/instances/${other.id}/`, { key: scoped })).status).toBe(403);
  expect((await call(sim, 'PUT', `/api/v0/instances/${mine.id}/`, { key: scoped, body: { label: 'x' } })).status).toBe(403);
  expect((await call(sim, 'PUT', `/api/v0/instances/${mine.id}/`, { key: scoped, body: { state: 'stopped' } })).status).toBe(200);
  expect((await call(sim, 'DELETE', `/api/v0/instances/${mine.id}/`, { key: scoped })).json).toEqual({ success: true, msg: 'Instance destroyed successfully' });
  expect(machine(mine.id).billing).toBe(false);
  expect(machine(other.id).billing).toBe(true);
  await call(sim, 'DELETE', `/api/v0/instances/${other.id}/`);
});

test('stop: compute ends, storage keeps billing; start runs again; destroy: null, billing over, second DELETE 404', async () => {
  const { id } = await create({ label: 'gpuburst-stop' });
  await until(() => machine(id), (m) => m.running);
  expect((await call(sim, 'PUT', `/api/v0/instances/${id}/`, { body: { state: 'stopped' } })).json).toEqual({ success: true });
  const stopped = await until(() => show(id), (i) => i.actual_status === 'exited');
  expect([stopped.intended_status, stopped.cur_state, stopped.ports]).toEqual(['stopped', 'stopped', undefined]);
  const a = machine(id);
  expect([a.running, a.billing]).toEqual([false, true]);
  const b = await until(() => machine(id), (m) => m.costUsd > a.costUsd);
  expect(b.billedSeconds).toBe(a.billedSeconds); // storage grew, compute did not
  expect(b.usdPerHour).toBeCloseTo((40 * 0.15) / 720, 9);

  await call(sim, 'PUT', `/api/v0/instances/${id}/`, { body: { state: 'running' } });
  await until(() => show(id), (i) => i.actual_status === 'running' && i.ports);

  await call(sim, 'DELETE', `/api/v0/instances/${id}/`);
  expect(await show(id)).toBeNull();
  const gone = machine(id);
  expect([gone.status, gone.billing, gone.running, gone.comfyUrl]).toEqual(['destroyed', false, false, undefined]);
  expect(gone.terminatedAt).toBeDefined();
  const again = await call(sim, 'DELETE', `/api/v0/instances/${id}/`);
  expect([again.status, again.json]).toEqual([404, { success: false, error: 'not_found', msg: 'Instance not found' }]);
  const after = machine(id).costUsd;
  await new Promise((r) => setTimeout(r, 30));
  expect(machine(id).costUsd).toBe(after);
});

test('ssh runtype without onstart: Vast\'s entrypoint replaced the image\'s, so ComfyUI never starts', async () => {
  const { id } = await create({ label: 'gpuburst-ssh', runtype: 'ssh' });
  await until(() => show(id), (i) => i.actual_status === 'running' && i.ports);
  await new Promise((r) => setTimeout(r, FAST.comfyStartMs * 3));
  expect(boots.some((b) => b.machineId === String(id))).toBe(false);
  const withOnstart = await create({ label: 'gpuburst-ssh2', runtype: 'ssh', onstart: '(watchdog &)\nexec entrypoint.sh' });
  await until(() => boots.find((b) => b.machineId === String(withOnstart.id)), Boolean);
  expect(boots.find((b) => b.machineId === String(withOnstart.id))!.bootScript).toContain('exec entrypoint.sh');
  await call(sim, 'DELETE', `/api/v0/instances/${id}/`);
  await call(sim, 'DELETE', `/api/v0/instances/${withOnstart.id}/`);
});

test('capacity: slots run out (404), an unstartable ask is 410 with cancel_unavail, a lost race frees up after', async () => {
  await call(sim, 'POST', '/_sim/capacity', { body: { ask_id: 31002, slots: 1 } });
  const only = await create({ label: 'gpuburst-cap1' }, 31002);
  const full = await call(sim, 'PUT', '/api/v0/asks/31002/', { body: createBody() });
  expect([full.status, full.json.msg]).toEqual([404, 'error 404/3603: no_such_ask Instance type by id 31002 is not available.']);
  const listed = (await call(sim, 'POST', '/api/v0/bundles/', { body: { id: { eq: 31002 } } })).json.offers[0];
  expect(listed.rented).toBe(true);
  await call(sim, 'DELETE', `/api/v0/instances/${only.id}/`);

  await call(sim, 'POST', '/_sim/capacity', { body: { ask_id: 31002, slots: 4, startable: false } });
  const gone = await call(sim, 'PUT', '/api/v0/asks/31002/', { body: createBody() });
  expect([gone.status, gone.json.error]).toEqual([410, 'no_such_ask']);
  const waiting = await create({ label: 'gpuburst-wait', cancel_unavail: false }, 31002);
  await until(() => show(waiting.id), (i) => i.actual_status === 'scheduling');
  await call(sim, 'POST', '/_sim/capacity', { body: { ask_id: 31002, startable: true } });
  await until(() => show(waiting.id), (i) => i.actual_status === 'running');
  await call(sim, 'DELETE', `/api/v0/instances/${waiting.id}/`);

  await call(sim, 'POST', '/_sim/capacity', { body: { ask_id: 31002, outraced_creates: 1 } });
  expect((await call(sim, 'PUT', '/api/v0/asks/31002/', { body: createBody() })).status).toBe(404);
  const next = await create({ label: 'gpuburst-after-race' }, 31002);
  await call(sim, 'DELETE', `/api/v0/instances/${next.id}/`);
});

test('a bid below min_bid: 400 invalid_price naming the stopped contract it left, which bills storage until destroyed', async () => {
  const r = await call(sim, 'PUT', '/api/v0/asks/31003/', { body: createBody({ label: 'gpuburst-lowbid', price: 0.01 }) });
  expect([r.status, r.json.error]).toEqual([400, 'invalid_price']);
  const left = r.json.new_contract;
  expect((await show(left)).intended_status).toBe('stopped');
  expect(machine(left)).toMatchObject({ running: false, billing: true });
  await call(sim, 'DELETE', `/api/v0/instances/${left}/`);

  const ok = await create({ label: 'gpuburst-bid', price: 0.2 }, 31003);
  const inst = await show(ok.id);
  expect([inst.is_bid, inst.dph_base]).toEqual([true, 0.2]);
  await call(sim, 'DELETE', `/api/v0/instances/${ok.id}/`);
});

test('injected failures: exited keeps storage billing, offline bills nothing', async () => {
  const { id } = await create({ label: 'gpuburst-crash' });
  await until(() => machine(id), (m) => m.running);
  await call(sim, 'POST', '/_sim/instance-status', { body: { id, actual_status: 'exited', status_msg: 'container crashed' } });
  expect((await show(id)).actual_status).toBe('exited');
  expect(machine(id)).toMatchObject({ running: false, billing: true });
  await call(sim, 'POST', '/_sim/instance-status', { body: { id, actual_status: 'offline' } });
  expect(machine(id)).toMatchObject({ running: false, billing: false });
  await call(sim, 'DELETE', `/api/v0/instances/${id}/`);
});

test('close stops every machine host and timer', async () => {
  const own = await start({ timings: FAST, rateLimits: false });
  const r = await call(own, 'PUT', '/api/v0/asks/31001/', { body: createBody() });
  const inst = await until(() => call(own, 'GET', `/api/v0/instances/${r.json.new_contract}/`).then((x) => x.json.instances), (i) => i.actual_status === 'running');
  const url = `http://127.0.0.1:${inst.ports['8188/tcp'][0].HostPort}/system_stats`;
  await until(() => own.state().machines[0].comfyUrl, Boolean);
  await own.close();
  await expect(fetch(url)).rejects.toThrow();
});

test('without credentials: Vast\'s own images answer 401 (Caddy basic auth), others keep their proxy\'s answer', async () => {
  const own = await start({ timings: FAST, rateLimits: false });
  try {
    const statusFor = async (image: string) => {
      const id = (await call(own, 'PUT', '/api/v0/asks/31001/', { body: createBody({ image }) })).json.new_contract;
      const inst = await until(() => call(own, 'GET', `/api/v0/instances/${id}/`).then((x) => x.json.instances), (i) => i.actual_status === 'running');
      const url = `http://127.0.0.1:${inst.ports['8188/tcp'][0].HostPort}/system_stats`;
      await until(() => fetch(url, { headers: { authorization: 'Bearer tok-0123456789' } }).then((r) => r.status).catch(() => 0), (st) => st === 200);
      return (await fetch(url, { redirect: 'manual' })).status;
    };
    expect(await statusFor('vastai/comfy:v0.3.64-cuda-12.9-py312')).toBe(401);
    expect(await statusFor('ghcr.io/ai-dock/comfyui:latest-cuda')).not.toBe(200);
  } finally {
    await own.close();
  }
});


test('vastai/comfy without ComfyUI in PORTAL_CONFIG never serves ComfyUI (the image skips its start)', async () => {
  const own = await start({ timings: FAST, rateLimits: false });
  try {
    const base = createBody();
    const env = base.env as Record<string, string>;
    for (const portal of [undefined, 'localhost:1111:11111:/:Instance Portal']) {
      const body = createBody({ env: { ...env, PORTAL_CONFIG: portal } });
      if (portal === undefined) delete (body.env as Record<string, string | undefined>).PORTAL_CONFIG;
      const id = (await call(own, 'PUT', '/api/v0/asks/31001/', { body })).json.new_contract;
      const inst = await until(() => call(own, 'GET', `/api/v0/instances/${id}/`).then((x) => x.json.instances), (i) => i.actual_status === 'running');
      const url = `http://127.0.0.1:${inst.ports['8188/tcp'][0].HostPort}/system_stats`;
      // Long after ComfyUI would have started: still nothing answers.
      await new Promise((r) => setTimeout(r, 300));
      expect(await fetch(url, { headers: { authorization: 'Bearer tok-0123456789' } }).then((r) => r.status).catch(() => 'refused')).toBe('refused');
      await call(own, 'DELETE', `/api/v0/instances/${id}/`);
    }
  } finally {
    await own.close();
  }
});
