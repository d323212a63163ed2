/**
 * Lifecycle, network exposure and billing of simulated Lambda instances (docs/reference/lambda.md §4–§6, §11).
 */
import { vmBootstrapScript } from '../../../providers/bootstrap';
import type { MachineSpec } from '../../../providers/types';
import { call, launchBody, prepare, recordingHost, startSim, until } from './helpers';

type Sim = Awaited<ReturnType<typeof startSim>>;

const TOKEN = 'tok-0123456789abcdef';
const SPEC: MachineSpec = {
  name: 'gpuburst-life',
  sessionId: 's1',
  offerId: 'gpu_1x_a10:us-west-1',
  image: 'ghcr.io/ai-dock/comfyui:latest-cuda',
  env: { WEB_TOKEN: TOKEN, GPUBURST_API_URL: 'http://x/api/v1', NOTE: "it's \"quoted\" $HOME" },
  ports: [{ port: 8188, protocol: 'http' }],
  diskGb: 40,
};

async function statsStatus(base: string, token?: string): Promise<number | 'unreachable'> {
  try {
    // Without the token the image's proxy answers 401 or a redirect to its login page: either is a refusal.
    const res = await fetch(`${base}/system_stats`, { headers: token ? { authorization: `Bearer ${token}` } : {}, redirect: 'manual' });
    return res.status;
  } catch {
    return 'unreachable';
  }
}

describe('lambda simulator lifecycle', () => {
  let sim: Sim;
  let rec: ReturnType<typeof recordingHost>;
  let westRuleset: string;

  beforeAll(async () => {
    rec = recordingHost();
    sim = await startSim({ host: rec.host, timings: { provisionMs: 150, bootMs: 150, comfyStartMs: 30, stopMs: 80 } });
    westRuleset = (await prepare(sim, 'us-west-1'))!;
  });
  afterAll(() => sim.close());

  const launch = async (extra: Record<string, unknown>) => {
    const r = await call(sim, 'POST', '/instance-operations/launch', launchBody({ user_data: vmBootstrapScript(SPEC, { sshUser: 'ubuntu' }), ...extra }));
    expect(r.status).toBe(200);
    return r.body.data.instance_ids[0] as string;
  };
  const get = (id: string) => call(sim, 'GET', `/instances/${id}`);
  const comfyUp = (id: string) => until(() => rec.boots.some((b) => b.machineId === id), 'ComfyUI to boot');

  test('booting without ip → active with ip; ComfyUI gets the bootstrap env and answers on ip:8188 with the token only', async () => {
    const id = await launch({ name: 'gpuburst-life', firewall_rulesets: [{ id: westRuleset }], tags: [{ key: 'managed-by', value: 'gpuburst' }] });
    const booting = (await get(id)).body.data;
    expect(booting.status).toBe('booting');
    expect(booting).not.toHaveProperty('ip');
    expect(booting.actions.restart).toMatchObject({ available: false, reason_code: 'vm-has-not-launched' });
    expect(sim.state().machines.find((m) => m.id === id)).toMatchObject({ running: false, billing: false });

    const active = await until(async () => ((await get(id)).body.data.status === 'active' ? (await get(id)).body.data : undefined), 'active');
    expect(active.ip).toMatch(/^127\.\d+\.\d+\.\d+$/);
    expect(active.ip).not.toMatch(/^127\.0\.0\./);
    expect(active).toMatchObject({ name: 'gpuburst-life', ssh_key_names: ['gpuburst'], region: { name: 'us-west-1' }, tags: [{ key: 'managed-by', value: 'gpuburst' }], firewall_rulesets: [{ id: westRuleset }] });
    expect(active.instance_type.price_cents_per_hour).toBe(75);

    await comfyUp(id);
    const boot = rec.boots.find((b) => b.machineId === id)!;
    expect(boot.env).toEqual(SPEC.env);
    expect(boot.provider).toBe('lambda');
    const endpoint = `http://${active.ip}:8188`;
    expect(await until(async () => ((await statsStatus(endpoint, TOKEN)) === 200 ? 200 : undefined), 'ComfyUI to answer')).toBe(200);
    expect(await statsStatus(endpoint)).toEqual(expect.any(Number));
    expect(await statsStatus(endpoint)).not.toBe(200);
    expect(sim.state().machines.find((m) => m.id === id)).toMatchObject({ running: true, billing: true, comfyUrl: endpoint });
    await call(sim, 'POST', '/instance-operations/terminate', { instance_ids: [id] });
  });

  test('outside us-south-1, without a rule for 8188 ComfyUI is not reachable, even with the token', async () => {
    const id = await launch({ name: 'gpuburst-closed' });
    await comfyUp(id);
    const ip = (await get(id)).body.data.ip;
    expect(await statsStatus(`http://${ip}:8188`, TOKEN)).toBe('unreachable');
    expect(sim.state().machines.find((m) => m.id === id)?.running).toBe(true);
    await call(sim, 'POST', '/instance-operations/terminate', { instance_ids: [id] });
  });

  test('a rule for another source network does not open the port to us', async () => {
    const narrow = await prepare(sim, 'us-west-1', '203.0.113.0/24');
    const id = await launch({ name: 'gpuburst-narrow', firewall_rulesets: [{ id: narrow }] });
    await comfyUp(id);
    expect(await statsStatus(`http://${(await get(id)).body.data.ip}:8188`, TOKEN)).toBe('unreachable');
    await call(sim, 'POST', '/instance-operations/terminate', { instance_ids: [id] });
  });

  test('us-south-1 has no firewall control: reachable without any rule', async () => {
    const id = await launch({ name: 'gpuburst-south', region_name: 'us-south-1' });
    await comfyUp(id);
    const endpoint = `http://${(await get(id)).body.data.ip}:8188`;
    expect(await until(async () => ((await statsStatus(endpoint, TOKEN)) === 200 ? 200 : undefined), 'ComfyUI to answer')).toBe(200);
    await call(sim, 'POST', '/instance-operations/terminate', { instance_ids: [id] });
  });

  test('terminate: terminating (billing stops, VM stops) → gone from the list → 404; billed per started minute', async () => {
    const id = await launch({ name: 'gpuburst-bill', firewall_rulesets: [{ id: westRuleset }] });
    await comfyUp(id);
    const ip = (await get(id)).body.data.ip;
    const r = await call(sim, 'POST', '/instance-operations/terminate', { instance_ids: [id] });
    expect(r.body.data.terminated_instances).toEqual([expect.objectContaining({ id, status: 'terminating' })]);
    expect(rec.stops).toContain(id);
    expect(await statsStatus(`http://${ip}:8188`, TOKEN)).toBe('unreachable');

    const after = sim.state().machines.find((m) => m.id === id)!;
    expect(after).toMatchObject({ billing: false, running: false, billedSeconds: 60 });
    expect(after.costUsd).toBeCloseTo((60 * 0.75) / 3600, 10);
    // Terminating again is harmless while Lambda still lists it.
    expect((await call(sim, 'POST', '/instance-operations/terminate', { instance_ids: [id] })).status).toBe(200);

    await until(async () => ((await get(id)).status === 404 ? true : undefined), 'the instance to be gone');
    expect((await get(id)).body.error).toEqual({ code: 'global/object-does-not-exist', message: 'Specified instance does not exist.' });
    expect((await call(sim, 'GET', '/instances')).body.data.map((i: { id: string }) => i.id)).not.toContain(id);
    expect((await call(sim, 'POST', '/instance-operations/terminate', { instance_ids: [id] })).status).toBe(404);
    expect(sim.state().machines.find((m) => m.id === id)).toMatchObject({ status: 'terminated', billedSeconds: 60 });
    expect(sim.state().machines.find((m) => m.id === id)?.terminatedAt).toEqual(expect.any(String));
  });

  test('an instance terminated while booting is never billed and never boots ComfyUI', async () => {
    const id = await launch({ name: 'gpuburst-early' });
    await call(sim, 'POST', '/instance-operations/terminate', { instance_ids: [id] });
    await until(async () => ((await get(id)).status === 404 ? true : undefined), 'the instance to be gone');
    expect(sim.state().machines.find((m) => m.id === id)).toMatchObject({ billedSeconds: 0, costUsd: 0, billing: false });
    expect(rec.boots.some((b) => b.machineId === id)).toBe(false);
  });

  test('a slot is taken at launch and given back once the instance is gone', async () => {
    const admin = (body: unknown) => fetch(`${sim.url}/_sim/capacity`, { method: 'POST', body: JSON.stringify(body) });
    const hasRegion = async () =>
      (await call(sim, 'GET', '/instance-types')).body.data.gpu_1x_a6000.regions_with_capacity_available.some((r: { name: string }) => r.name === 'us-midwest-1');
    await admin({ instance_type_name: 'gpu_1x_a6000', region_name: 'us-midwest-1', slots: 1 });
    const id = await launch({ name: 'gpuburst-slot', region_name: 'us-midwest-1', instance_type_name: 'gpu_1x_a6000' });
    expect(await hasRegion()).toBe(false);
    const second = await call(sim, 'POST', '/instance-operations/launch', launchBody({ region_name: 'us-midwest-1', instance_type_name: 'gpu_1x_a6000' }));
    expect(second.body.error.code).toBe('instance-operations/launch/insufficient-capacity');
    await call(sim, 'POST', '/instance-operations/terminate', { instance_ids: [id] });
    await until(async () => ((await hasRegion()) ? true : undefined), 'the slot to come back');
  });

  test('a launch whose response is lost still makes exactly one instance', async () => {
    sim.server.faults.add({ fault: { kind: 'lose-response' }, method: 'POST', path: '/instance-operations/launch$' });
    await expect(call(sim, 'POST', '/instance-operations/launch', launchBody({ name: 'gpuburst-lost' }))).rejects.toThrow();
    const listed = (await call(sim, 'GET', '/instances')).body.data.filter((i: { name?: string }) => i.name === 'gpuburst-lost');
    expect(listed).toHaveLength(1);
    await call(sim, 'POST', '/instance-operations/terminate', { instance_ids: [listed[0].id] });
  });
});

describe('lambda simulator shutdown', () => {
  test('close() stops every machine host and clears its timers', async () => {
    const rec = recordingHost();
    const sim = await startSim({ host: rec.host });
    await prepare(sim);
    const r = await call(sim, 'POST', '/instance-operations/launch', launchBody({ region_name: 'us-south-1' }));
    const id = r.body.data.instance_ids[0];
    await until(() => rec.boots.some((b) => b.machineId === id), 'ComfyUI to boot');
    await sim.close();
    expect(rec.stops).toEqual([id]);
  });

  test('the ComfyUI port is configurable for computers where 8188 is taken', async () => {
    const sim = await startSim({ comfyPort: 18999 });
    try {
      await prepare(sim);
      const r = await call(sim, 'POST', '/instance-operations/launch', launchBody({ region_name: 'us-south-1', user_data: vmBootstrapScript(SPEC, { sshUser: 'ubuntu' }) }));
      const id = r.body.data.instance_ids[0];
      const ip = await until(async () => (await call(sim, 'GET', `/instances/${id}`)).body.data.ip, 'an ip');
      expect(await until(async () => ((await statsStatus(`http://${ip}:18999`, TOKEN)) === 200 ? 200 : undefined), 'ComfyUI to answer')).toBe(200);
      expect(sim.env.GPUBURST_LAMBDA_COMFY_PORT).toBe('18999');
    } finally {
      await sim.close();
    }
  });
});
