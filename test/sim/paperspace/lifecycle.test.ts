/**
 * Lifecycle, capacity, startup scripts and billing of the simulated Paperspace account (docs/reference/paperspace.md §4, §6, §8):
 * provisioning → ready (IP only when ready) ⇄ stopping → off; capacity failures land in `off` with an errored event;
 * compute bills in every state but `off`, storage until delete; ComfyUI answers at http://{publicIp}:{port}.
 */
import { admin, call, comfyStatus, createMachine, createScript, NY2, Sim, startSim, stateOf, until } from './helpers';

const TOKEN = 'sim-token-abcdef123456';
const sims: Sim[] = [];
async function fresh(opts: Parameters<typeof startSim>[0] = {}): Promise<Sim> {
  const sim = await startSim(opts);
  sims.push(sim);
  return sim;
}
afterAll(async () => {
  for (const s of sims) await s.close();
});

async function readyMachine(sim: Sim, extra: Record<string, unknown> = {}): Promise<any> {
  const scriptId = await createScript(sim, TOKEN);
  const m = await createMachine(sim, { startupScriptId: scriptId, ...extra });
  return until(async () => {
    const got = (await call(sim, 'GET', `/machines/${m.data.id}`)).body;
    const comfy = sim.state().machines.find((x) => x.id === got.id)?.comfyUrl;
    return got.state === 'ready' && comfy ? got : undefined;
  }, 'machine ready with ComfyUI');
}

test('provisioning → serviceready → ready; the public IP appears only at ready; ComfyUI answers there with the token only', async () => {
  const sim = await fresh({ comfyPort: 18188 });
  expect(sim.env.GPUBURST_PAPERSPACE_COMFY_PORT).toBe('18188');
  const scriptId = await createScript(sim, TOKEN);
  const m = await createMachine(sim, { startupScriptId: scriptId });
  // The create reply is the first state seen: with 20 ms of provisioning a loaded machine may not poll in time.
  const states = new Set<string>([m.data.state]);
  const ready = await until(async () => {
    const got = (await call(sim, 'GET', `/machines/${m.data.id}`)).body;
    states.add(got.state);
    if (got.state !== 'ready') expect(got.publicIp).toBeNull();
    return got.state === 'ready' ? got : undefined;
  }, 'ready');
  expect([...states]).toContain('provisioning');
  expect(ready.publicIp).toMatch(/^127\.\d+\.\d+\.\d+$/);
  expect(ready.publicIp).not.toMatch(/^127\.0\.0\./);
  const endpoint = `http://${ready.publicIp}:18188`;
  expect(await until(async () => (await comfyStatus(endpoint, TOKEN)) === 200, 'ComfyUI up')).toBe(true);
  // Without the token the image's auth proxy refuses (401 or a redirect to its login page).
  const anonymous = await comfyStatus(endpoint);
  expect(anonymous).not.toBe(200);
  expect(anonymous).not.toBe('refused');
  const events = (await call(sim, 'GET', `/machine-events?machineId=${m.data.id}`)).body.items;
  expect(events).toEqual([expect.objectContaining({ name: 'create', state: 'done', error: null })]);
  expect(sim.state().machines[0]).toMatchObject({ running: true, billing: true, usdPerHour: 0.76, gpu: 'A4000' });
});

test('every VM gets its own loopback IP', async () => {
  const sim = await fresh();
  const a = await readyMachine(sim);
  const b = await readyMachine(sim);
  expect(a.publicIp).not.toBe(b.publicIp);
  // The ai-dock image syncs (log viewer on the port) before ComfyUI answers.
  for (const m of [a, b]) expect(await until(async () => (await comfyStatus(`http://${m.publicIp}:8188`, TOKEN)) === 200, 'ComfyUI up')).toBe(true);
});

test('stop: stopping → off releases the dynamic IP and ComfyUI; compute stops, storage keeps billing; start brings it back', async () => {
  const sim = await fresh();
  const m = await readyMachine(sim);
  const stopped = await call(sim, 'PATCH', `/machines/${m.id}/stop`, {});
  expect(stopped.body).toMatchObject({ data: { state: 'stopping' }, event: { name: 'stop', state: 'in progress' } });
  expect(await comfyStatus(`http://${m.publicIp}:8188`, TOKEN)).toBe('refused');
  await until(async () => (await stateOf(sim, m.id)) === 'off', 'off');
  expect((await call(sim, 'GET', `/machines/${m.id}`)).body.publicIp).toBeNull();
  const offState = sim.state().machines[0];
  expect(offState).toMatchObject({ running: false, billing: true });
  await new Promise((r) => setTimeout(r, 1100));
  const later = sim.state().machines[0];
  expect(later.billedSeconds).toBe(offState.billedSeconds);
  expect(later.costUsd).toBeGreaterThan(offState.costUsd);
  // Stopping an off machine is a no-op; a run-once script's container comes back on the next power-on.
  expect((await call(sim, 'PATCH', `/machines/${m.id}/stop`)).status).toBe(200);
  const [script] = (await call(sim, 'GET', '/startup-scripts')).body.items;
  expect((await call(sim, 'DELETE', `/startup-scripts/${script.id}`)).status).toBe(200);
  const started = await call(sim, 'PATCH', `/machines/${m.id}/start`, {});
  expect(started.body).toMatchObject({ data: { state: 'starting' }, event: { name: 'start' } });
  const back = await until(async () => {
    const got = (await call(sim, 'GET', `/machines/${m.id}`)).body;
    return got.state === 'ready' && sim.state().machines[0].comfyUrl ? got : undefined;
  }, 'ready again');
  expect(back.publicIp).not.toBeNull();
  expect(await until(async () => (await comfyStatus(`http://${back.publicIp}:8188`, TOKEN)) === 200, 'ComfyUI back')).toBe(true);
});

test('invalid transitions are refused with the state in the message', async () => {
  const sim = await fresh({ timings: { provisionMs: 2000 } });
  const m = await createMachine(sim);
  expect(await call(sim, 'PATCH', `/machines/${m.data.id}/stop`, {})).toMatchObject({ status: 400, body: { code: 'BAD_REQUEST', message: 'This machine is currently provisioning.' } });
  expect((await call(sim, 'PATCH', `/machines/${m.data.id}/start`, {})).status).toBe(400);
  expect((await call(sim, 'PATCH', `/machines/${m.data.id}/stop`, { force: true })).status).toBe(400);
  expect((await call(sim, 'PATCH', '/machines/psnope/stop', {})).status).toBe(404);
  await call(sim, 'DELETE', `/machines/${m.data.id}`);
});

test('no startup script: the VM is ready but nothing answers on 8188', async () => {
  const sim = await fresh();
  const m = await createMachine(sim);
  const ready = await until(async () => {
    const got = (await call(sim, 'GET', `/machines/${m.data.id}`)).body;
    return got.state === 'ready' ? got : undefined;
  }, 'ready');
  await new Promise((r) => setTimeout(r, 100));
  expect(sim.state().machines[0].comfyUrl).toBeUndefined();
  expect(await comfyStatus(`http://${ready.publicIp}:8188`, TOKEN)).toBe('refused');
});

test('a script deleted before first boot is never run', async () => {
  const sim = await fresh({ timings: { provisionMs: 150 } });
  const scriptId = await createScript(sim, TOKEN);
  const m = await createMachine(sim, { startupScriptId: scriptId });
  await call(sim, 'DELETE', `/startup-scripts/${scriptId}`);
  await until(async () => (await stateOf(sim, m.data.id)) === 'ready', 'ready');
  await new Promise((r) => setTimeout(r, 100));
  expect(sim.state().machines[0].comfyUrl).toBeUndefined();
});

test('no capacity: availability says no, a create still answers 200, then lands in off with an errored create event', async () => {
  const sim = await fresh();
  const cap = await admin(sim, '/_sim/capacity', { machineType: 'A4000', region: NY2, available: false });
  expect(cap.body.capacity).toEqual(expect.arrayContaining([{ machineType: 'A4000', region: NY2, available: false, advertised: false, failPlacements: 0 }]));
  expect((await call(sim, 'GET', `/machine-availability?machineType=A4000&region=${encodeURIComponent(NY2)}`)).body).toEqual({ available: false });
  const m = await createMachine(sim);
  expect(m.event.state).toBe('new');
  await until(async () => (await stateOf(sim, m.data.id)) === 'off', 'off');
  const [event] = (await call(sim, 'GET', `/machine-events?machineId=${m.data.id}`)).body.items;
  expect(event).toMatchObject({ name: 'create', state: 'error', error: expect.stringContaining('insufficient capacity') });
  expect(sim.state().machines[0]).toMatchObject({ running: false, billing: true });
  await call(sim, 'DELETE', `/machines/${m.data.id}`);
  expect(sim.state().machines[0].billing).toBe(false);
});

test('a passing stock-out: listed as available, the next placement fails, the one after succeeds', async () => {
  const sim = await fresh();
  await admin(sim, '/_sim/capacity', { machineType: 'A4000', region: NY2, failPlacements: 1 });
  expect((await call(sim, 'GET', `/machine-availability?machineType=A4000&region=${encodeURIComponent(NY2)}`)).body).toEqual({ available: true });
  const first = await createMachine(sim);
  const second = await createMachine(sim, { name: 'gpuburst-s1-b' });
  await until(async () => (await stateOf(sim, first.data.id)) === 'off', 'first off');
  await until(async () => (await stateOf(sim, second.data.id)) === 'ready', 'second ready');
  expect((await admin(sim, '/_sim/capacity', { machineType: 'RTX9090', available: false })).status).toBe(400);
  expect((await admin(sim, '/_sim/capacity', { reset: true })).status).toBe(200);
});

test('auto-shutdown powers the machine off after its timeout, and does not delete it', async () => {
  // A simulated hour of 1 s: the machine is ready for that long, enough for a loaded machine to see it (at 50 ms the
  // test missed the ready state under load and waited for it forever).
  const sim = await fresh({ autoShutdownHourMs: 1000 });
  const m = await readyMachine(sim, { autoShutdownEnabled: true, autoShutdownTimeout: 1, autoShutdownForce: true });
  await until(async () => (await stateOf(sim, m.id)) === 'off', 'auto-shutdown');
  expect(sim.state().machines[0]).toMatchObject({ status: 'off', running: false, billing: true });
});

test('billing follows the configured increment and ends at delete', async () => {
  const sim = await fresh({ billingIncrementSeconds: 60 });
  const m = await readyMachine(sim);
  expect(sim.state().machines[0].billedSeconds).toBe(60);
  await call(sim, 'DELETE', `/machines/${m.id}`);
  const after = sim.state().machines[0];
  expect(after).toMatchObject({ billing: false, running: false, status: 'deleted', billedSeconds: 60 });
  await new Promise((r) => setTimeout(r, 50));
  expect(sim.state().machines[0].costUsd).toBe(after.costUsd);
  expect(await comfyStatus(`http://${m.publicIp}:8188`, TOKEN)).toBe('refused');
});

test('close stops every machine host and timer', async () => {
  const sim = await startSim();
  const m = await readyMachine(sim);
  await createMachine(sim, { name: 'gpuburst-s1-pending' });
  await sim.close();
  expect(await comfyStatus(`http://${m.publicIp}:8188`, TOKEN)).toBe('refused');
});
