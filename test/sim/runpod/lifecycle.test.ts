/** Pod lifecycle in the RunPod simulator: states, runtime, proxy, stop/start, terminate, billing, scoped keys. */
import type { ProviderSim } from '../../../src/sim/common/types';
import { Booted, TOKEN, call, podBody, startSim, waitFor, waitForStatus } from './helpers';

let sim: ProviderSim;
let key: string;
let booted: Booted;

beforeAll(async () => {
  ({ sim, key, booted } = await startSim());
});
afterAll(() => sim.close());

const proxy = (id: string, port = 8188) => `${sim.url}/proxy/${id}-${port}`;
const stateOf = (id: string) => sim.state().machines.find((m) => m.id === id)!;

test('PROVISIONING → STARTING → RUNNING; runtime null at first, then ports; proxy 502 until ComfyUI listens', async () => {
  const created = await call(sim, 'POST', '/v2/pods', { key, body: podBody() });
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ status: 'PROVISIONING', actions: ['stop', 'terminate'], runtime: null, cost: 0.69, cloud: 'SECURE', startedAt: null });
  const id = created.body.id as string;
  expect(id).toMatch(/^[a-z0-9]{14}$/);
  expect((await fetch(`${proxy(id)}/system_stats`)).status).toBe(502);

  await waitForStatus(sim, key, id, 'STARTING');
  const running = await waitForStatus(sim, key, id, 'RUNNING');
  expect(running.actions).toEqual(['stop', 'restart', 'terminate']);
  const withPorts = await waitForStatus(sim, key, id, 'RUNNING', (p) => p.runtime !== null);
  expect(withPorts.runtime.ports).toEqual([expect.objectContaining({ private: 8188, type: 'http' })]);

  await waitFor(async () => (await fetch(`${proxy(id)}/system_stats`, { headers: { authorization: `Bearer ${TOKEN}` } })).status === 200, 'ComfyUI through the proxy');
  // The proxy adds no auth of its own: the image's token is the gate.
  expect((await fetch(`${proxy(id)}/system_stats`)).status).not.toBe(200);
  expect((await fetch(`${proxy(id)}/system_stats?token=${TOKEN}`)).status).toBe(200);
  // Only ports declared /http are proxied.
  expect((await fetch(`${proxy(id, 8888)}/`)).status).toBe(502);
  expect(stateOf(id)).toMatchObject({ running: true, billing: true, status: 'RUNNING' });

  expect((await call(sim, 'DELETE', `/v2/pods/${id}`, { key })).status).toBe(204);
});

test('RUNNING is not serving: runtime stays null and the proxy answers 502 while ComfyUI starts', async () => {
  const { sim: slow, key: k, booted: b } = await startSim({ timings: { provisionMs: 10, bootMs: 10, comfyStartMs: 60_000, stopMs: 10 } });
  try {
    const created = await call(slow, 'POST', '/v2/pods', { key: k, body: podBody() });
    const running = await waitForStatus(slow, k, created.body.id, 'RUNNING');
    expect(running.runtime).toBeNull();
    expect(running.startedAt).toBeTruthy();
    await waitFor(() => b.boots.length === 1, 'the machine to boot');
    expect(slow.state().machines[0].comfyUrl).toBeTruthy();
    expect((await fetch(`${slow.url}/proxy/${created.body.id}-8188/system_stats?token=${TOKEN}`)).status).toBe(502);
  } finally {
    await slow.close();
  }
});

test('the machine boots with RunPod injected env; the pod-scoped key may act on its own pod only', async () => {
  const mine = await call(sim, 'POST', '/v2/pods', { key, body: podBody({ args: 'bash -c "echo hi"' }) });
  const other = await call(sim, 'POST', '/v2/pods', { key, body: podBody() });
  const id = mine.body.id as string;
  await waitForStatus(sim, key, id, 'RUNNING');
  const boot = await waitFor(() => booted.boots.find((b) => b.machineId === id), 'the boot');
  expect(boot.env.RUNPOD_POD_ID).toBe(id);
  expect(boot.env.WEB_TOKEN).toBe(TOKEN);
  expect(boot.bootScript).toBe('bash -c "echo hi"');
  const podKey = boot.env.RUNPOD_API_KEY;
  expect(podKey).toMatch(/^rpa_/);
  expect(podKey).not.toBe(key);

  expect((await call(sim, 'GET', `/v2/pods/${id}`, { key: podKey })).status).toBe(200);
  expect((await call(sim, 'GET', `/v2/pods/${other.body.id}`, { key: podKey })).status).toBe(403);
  expect((await call(sim, 'DELETE', `/v2/pods/${other.body.id}`, { key: podKey })).status).toBe(403);
  expect((await call(sim, 'GET', '/v2/pods', { key: podKey })).body).toEqual({ title: 'Forbidden', status: 403, detail: 'access denied' });
  expect((await call(sim, 'POST', '/v2/pods', { key: podKey, body: podBody() })).status).toBe(403);

  expect((await call(sim, 'DELETE', `/v2/pods/${id}`, { key: podKey })).status).toBe(204);
  expect(stateOf(id).billing).toBe(false);
  expect(stateOf(other.body.id).billing).toBe(true);
  // The key dies with its pod.
  expect((await call(sim, 'GET', `/v2/pods/${id}`, { key: podKey })).status).toBe(401);
  await waitFor(() => booted.stops.includes(id), 'the machine host to stop');
  await call(sim, 'DELETE', `/v2/pods/${other.body.id}`, { key });
});

test('stop → EXITED with cost 0 and the GPU released; 409 for an invalid action; start resumes it', async () => {
  const created = await call(sim, 'POST', '/v2/pods', { key, body: podBody({ mounts: { persistent: { size: 20, path: '/workspace' } } }) });
  const id = created.body.id as string;
  await waitForStatus(sim, key, id, 'RUNNING');
  const stopped = await call(sim, 'POST', `/v2/pods/${id}/action`, { key, body: { action: 'stop' } });
  expect(stopped.status).toBe(200);
  expect(stopped.body).toMatchObject({ status: 'EXITED', cost: 0, runtime: null, actions: ['start', 'terminate'] });
  // The volume disk keeps billing while stopped; compute does not.
  expect(stateOf(id)).toMatchObject({ running: false, billing: true });
  expect((await fetch(`${proxy(id)}/system_stats?token=${TOKEN}`)).status).toBe(502);

  const again = await call(sim, 'POST', `/v2/pods/${id}/action`, { key, body: { action: 'stop' } });
  expect(again.status).toBe(409);
  expect(again.body.title).toBe('Conflict');
  expect((await call(sim, 'POST', `/v2/pods/${id}/action`, { key, body: { action: 'restart' } })).status).toBe(409);

  expect((await call(sim, 'POST', `/v2/pods/${id}/action`, { key, body: { action: 'start' } })).body.status).toBe('STARTING');
  await waitForStatus(sim, key, id, 'RUNNING');
  expect(stateOf(id).running).toBe(true);

  expect((await call(sim, 'POST', `/v2/pods/${id}/action`, { key, body: { action: 'terminate' } })).status).toBe(204);
  expect(stateOf(id)).toMatchObject({ status: 'TERMINATED', billing: false, running: false });
});

test('a stopped pod without a volume bills nothing; a stopped pod cannot resume once its GPUs are gone', async () => {
  const gpu = { id: 'NVIDIA RTX A4000' };
  const created = await call(sim, 'POST', '/v2/pods', { key, body: podBody({ gpu, cloud: 'COMMUNITY' }) });
  const id = created.body.id as string;
  await call(sim, 'POST', `/v2/pods/${id}/action`, { key, body: { action: 'stop' } });
  expect(stateOf(id)).toMatchObject({ running: false, billing: false });
  await call(sim, 'POST', '/_sim/capacity', { body: { gpuTypeId: gpu.id, cloud: 'COMMUNITY', free: 0 } });
  const start = await call(sim, 'POST', `/v2/pods/${id}/action`, { key, body: { action: 'start' } });
  expect(start.status).toBe(400);
  expect(start.body.detail).toMatch(/no longer any instances available/);
  await call(sim, 'POST', '/_sim/capacity', { body: { gpuTypeId: gpu.id, free: 4 } });
  await call(sim, 'DELETE', `/v2/pods/${id}`, { key });
});

test('DELETE: 204, then 404, gone from the list, kept in /_sim/state with its bill', async () => {
  const created = await call(sim, 'POST', '/v2/pods', { key, body: podBody() });
  const id = created.body.id as string;
  await waitForStatus(sim, key, id, 'RUNNING');
  expect((await call(sim, 'DELETE', `/v2/pods/${id}`, { key })).status).toBe(204);
  expect((await call(sim, 'GET', `/v2/pods/${id}`, { key })).body).toEqual({ title: 'Not Found', status: 404, detail: 'pod not found' });
  expect((await call(sim, 'DELETE', `/v2/pods/${id}`, { key })).status).toBe(404);
  const list = await call(sim, 'GET', '/v2/pods', { key });
  expect(list.body.pods.map((p: { id: string }) => p.id)).not.toContain(id);
  const state = (await call(sim, 'GET', '/_sim/state')).body;
  const m = state.machines.find((x: { id: string }) => x.id === id);
  expect(m).toMatchObject({ status: 'TERMINATED', billing: false, running: false, gpu: 'NVIDIA GeForce RTX 4090' });
  expect(m.terminatedAt).toBeTruthy();
  // Per-second billing: billed seconds are whole seconds covering the run.
  expect(Number.isInteger(m.billedSeconds)).toBe(true);
  expect(m.billedSeconds).toBeGreaterThanOrEqual(1);
  expect(m.costUsd).toBeGreaterThanOrEqual((m.billedSeconds * 0.69) / 3600 - 1e-9);
});

test('an injected ERROR: failed pod, compute stops, start and terminate allowed', async () => {
  const created = await call(sim, 'POST', '/v2/pods', { key, body: podBody() });
  const id = created.body.id as string;
  const failed = await call(sim, 'POST', `/_sim/pods/${id}/status`, { body: { status: 'ERROR' } });
  expect(failed.body).toMatchObject({ status: 'ERROR', actions: ['start', 'terminate'], cost: 0 });
  expect(stateOf(id).running).toBe(false);
  await call(sim, 'DELETE', `/v2/pods/${id}`, { key });
});

test('a lost create response still made the pod (fault inherited from SimServer)', async () => {
  const body = podBody();
  sim.server.faults.add({ fault: { kind: 'lose-response' }, method: 'POST', path: '^/v2/pods$' });
  await expect(call(sim, 'POST', '/v2/pods', { key, body })).rejects.toThrow();
  const list = await call(sim, 'GET', '/v2/pods', { key });
  const pod = list.body.pods.find((p: { name: string }) => p.name === body.name);
  expect(pod).toBeDefined();
  await call(sim, 'DELETE', `/v2/pods/${pod.id}`, { key });
});

test('close() stops every machine host and clears timers', async () => {
  const { sim: s, key: k, booted: b } = await startSim();
  const created = await call(s, 'POST', '/v2/pods', { key: k, body: podBody() });
  await waitForStatus(s, k, created.body.id, 'RUNNING');
  await waitFor(() => b.boots.length === 1, 'boot');
  await call(s, 'POST', '/v2/pods', { key: k, body: podBody() }); // still provisioning at close
  await s.close();
  expect(b.stops).toEqual([created.body.id]);
});
