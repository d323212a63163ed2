/**
 * The Paperspace adapter over real HTTP against its simulator: the asynchronous capacity failure, startup-script
 * housekeeping, auto-shutdown, stop vs failed, live availability in offers, and the kill switch as a watchdog uses it.
 */
import { configFromEnv } from '../../../providers';
import { createProvider } from '../../../providers/paperspace';
import type { PaperspaceProvider } from '../../../providers/paperspace/adapter';
import type { KillSwitch, MachineSpec } from '../../../providers/types';
import { createMachineHost, MachineHost } from '../../../src/sim/common/machine-host';
import { admin, call, FAST, NY2, Sim, startSim, until } from '../../sim/paperspace/helpers';

const TOKEN = 'adapter-token-0123456789';
let sim: Sim;
let provider: PaperspaceProvider;
const bootEnvs = new Map<string, Record<string, string>>();

beforeAll(async () => {
  const inner = createMachineHost();
  const host: MachineHost = {
    boot: (b) => {
      bootEnvs.set(b.machineId, b.env);
      return inner.boot(b);
    },
  };
  sim = await startSim({ timings: FAST, autoShutdownHourMs: 100, host });
  provider = createProvider({ ...configFromEnv('paperspace', { ...sim.env, GPUBURST_PAPERSPACE_CREATE_SETTLE_MS: '20' }), timeoutMs: 2000 }) as PaperspaceProvider;
});
afterEach(async () => {
  await admin(sim, '/_sim/capacity', { reset: true });
});
afterAll(async () => {
  for (const m of sim.state().machines.filter((x) => x.billing)) await provider.terminateMachine({ id: m.id });
  await sim.close();
});

let n = 0;
function spec(extra: Partial<MachineSpec> = {}): MachineSpec {
  n++;
  return {
    name: `gpuburst-sess-${n}x`,
    sessionId: 'sess',
    offerId: `A4000@${NY2}`,
    image: 'ghcr.io/ai-dock/comfyui:latest-cuda',
    env: { WEB_TOKEN: TOKEN },
    ports: [{ port: 8188, protocol: 'http' }],
    diskGb: 40,
    ...extra,
  };
}

const probe = async (endpoint: string) => (await fetch(`${endpoint}/system_stats`, { headers: { authorization: `Bearer ${TOKEN}` } })).status === 200;
const ready = (id: string) => provider.waitUntilReady({ id, probe, timeoutSeconds: 10, pollSeconds: 0.02 });
const scriptsNamed = async (name: string) => (await call(sim, 'GET', `/startup-scripts?name=${encodeURIComponent(name)}`)).body.items;

test('offers follow live availability', async () => {
  await admin(sim, '/_sim/capacity', { machineType: 'A4000', region: NY2, available: false });
  const offers = await provider.listOffers({ gpu: 'RTX A4000', gpuCount: 1 });
  expect(offers.map((o) => [o.region, o.available])).toEqual(
    expect.arrayContaining([
      [NY2, false],
      ['West Coast (CA1)', true],
    ]),
  );
});

test('capacity lost after the listing: create succeeds, the machine lands in off, waitUntilReady ends in CapacityError with its id', async () => {
  await admin(sim, '/_sim/capacity', { machineType: 'A4000', region: NY2, failPlacements: 1 });
  const s = spec();
  const created = await provider.createMachine({ spec: s });
  const err = await ready(created.id).catch((e) => e);
  expect(err).toMatchObject({ code: 'ERR_CAPACITY', machineId: created.id, provider: 'paperspace' });
  expect(err.message).toContain('insufficient capacity');
  expect(await provider.getMachine({ id: created.id })).toMatchObject({ status: 'failed', providerStatus: 'off' });
  await provider.terminateMachine({ id: created.id });
  expect(sim.state().machines.find((m) => m.id === created.id)?.billing).toBe(false);
  expect(await scriptsNamed(s.name)).toEqual([]);
});

test('create → ready → terminate removes the machine and its startup script', async () => {
  const s = spec();
  const created = await provider.createMachine({ spec: s });
  expect(await scriptsNamed(s.name)).toHaveLength(1);
  const machine = await ready(created.id);
  expect(machine.endpoint).toMatch(/^http:\/\/127\.\d+\.\d+\.\d+:8188$/);
  await provider.terminateMachine({ id: created.id });
  expect(await scriptsNamed(s.name)).toEqual([]);
  expect((await provider.getMachine({ id: created.id })).status).toBe('terminated');
});

test('a stopped machine reads as stopped (not failed), with no compute rate', async () => {
  const created = await provider.createMachine({ spec: spec() });
  await ready(created.id);
  await provider.stopMachine({ id: created.id });
  const stopped = await until(async () => {
    const m = await provider.getMachine({ id: created.id });
    return m.providerStatus === 'off' ? m : undefined;
  }, 'off');
  expect(stopped).toMatchObject({ status: 'stopped', usdPerHour: 0 });
  await provider.terminateMachine({ id: created.id });
});

test('maxLifetimeHours becomes Paperspace auto-shutdown, which powers off but does not delete', async () => {
  const created = await provider.createMachine({ spec: spec({ maxLifetimeHours: 0.5 }) });
  const raw = (await call(sim, 'GET', `/machines/${created.id}`)).body;
  expect(raw).toMatchObject({ autoShutdownEnabled: true, autoShutdownTimeout: 1, autoShutdownForce: true });
  await until(async () => (await provider.getMachine({ id: created.id })).providerStatus === 'off', 'auto-shutdown');
  expect(sim.state().machines.find((m) => m.id === created.id)).toMatchObject({ running: false, billing: true });
  await provider.terminateMachine({ id: created.id });
});

test('the sweep removes scripts whose machine is gone and keeps those of live machines', async () => {
  const live = spec();
  const liveMachine = await provider.createMachine({ spec: live });
  const orphan = spec();
  const orphanMachine = await provider.createMachine({ spec: orphan });
  // Deleted behind the adapter's back (console, watchdog): its script stays.
  await call(sim, 'DELETE', `/machines/${orphanMachine.id}`);
  expect(await scriptsNamed(orphan.name)).toHaveLength(1);
  expect((await provider.sweepLeftovers({ dryRun: true })).map((s) => [s.kind, s.name, s.deleted])).toEqual([['startup-script', orphan.name, false]]);
  expect(await scriptsNamed(orphan.name)).toHaveLength(1);
  expect((await provider.sweepLeftovers({})).map((s) => s.deleted)).toEqual([true]);
  expect(await scriptsNamed(orphan.name)).toEqual([]);
  expect(await scriptsNamed(live.name)).toHaveLength(1);
  await provider.terminateMachine({ id: liveMachine.id });
});

/**
 * What a generic watchdog does with a KillSwitch: fill ${VAR}s from the machine's environment (types.ts: "filled
 * from the machine's environment at the time of the call"; ks.env reached the machine through spec.env), look its
 * own machine up by name, delete it.
 */
async function runKillSwitch(ks: KillSwitch, machineEnv: Record<string, string>): Promise<number> {
  const env: Record<string, string> = { ...machineEnv };
  const fill = (s: string) => s.replace(/\$\{(\w+)\}/g, (_m, k: string) => env[k] ?? '');
  const fillAll = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k, fill(v)]));
  const found = (await (await fetch(fill(ks.lookup!.url), { headers: fillAll(ks.lookup!.headers) })).json()) as Record<string, unknown>;
  const item = (found[ks.lookup!.listPath] as Record<string, string>[]).find((x) => x[ks.lookup!.nameField] === env.GPUBURST_MACHINE_NAME);
  env.MACHINE_ID = item?.[ks.lookup!.idField] ?? '';
  return (await fetch(fill(ks.terminate.url), { method: ks.terminate.method, headers: fillAll(ks.terminate.headers) })).status;
}

test.each([
  ['a session-format name', 'gpuburst-sess-killme'],
  ['a name stored with a session marker', 'gpuburst-killme'],
])('the kill switch deletes its own machine for %s', async (_what, name) => {
  const ks = provider.killSwitch({ name, remoteKey: sim.key });
  const created = await provider.createMachine({ spec: spec({ name, env: { WEB_TOKEN: TOKEN, ...ks.env } }) });
  await ready(created.id);
  // The environment the simulated VM booted with: what its startup script handed to the container and watchdog.
  const machineEnv = bootEnvs.get(created.id)!;
  expect(machineEnv.GPUBURST_MACHINE_NAME).toBe((await call(sim, 'GET', `/machines/${created.id}`)).body.name);
  expect(await runKillSwitch(ks, machineEnv)).toBe(200);
  expect(sim.state().machines.find((m) => m.id === created.id)).toMatchObject({ status: 'deleted', billing: false });
});
