/**
 * One contract suite, the same cases for every cloud adapter, over real HTTP against that provider's simulator.
 * Assertions look at the simulator's state (machines, bills), not at call sequences.
 */
import crypto from 'crypto';
import fs from 'fs';
import path from 'path';
import { configFromEnv, createProvider } from '../../providers';
import { GpuburstError } from '../../providers/errors';
import type { MachineSpec, Offer, Provider } from '../../providers/types';
import type { ProviderSim } from '../../src/sim/common/types';
import type { ContractHarness } from './harness/types';

const harnessDir = path.join(__dirname, 'harness');
const harnesses: ContractHarness[] = fs
  .readdirSync(harnessDir)
  .filter((f) => f.endsWith('.ts') && f !== 'types.ts')
  .map((f) => require(path.join(harnessDir, f)).harness as ContractHarness);

const TIMINGS = { provisionMs: 100, bootMs: 150, comfyStartMs: 100, stopMs: 100 };

function spec(offer: Offer, token: string, name = `gpuburst-ct-${crypto.randomBytes(4).toString('hex')}`): MachineSpec {
  return {
    name,
    sessionId: 'ct-session',
    offerId: offer.offerId,
    image: 'ghcr.io/ai-dock/comfyui:latest-cuda',
    env: { WEB_TOKEN: token },
    ports: [{ port: 8188, protocol: 'http' }],
    diskGb: 40,
  };
}

async function answers(endpoint: string, token?: string): Promise<number> {
  // No redirects: an auth proxy answers a stranger with a redirect to its login page, which is a refusal.
  const res = await fetch(`${endpoint}/system_stats`, { headers: token ? { authorization: `Bearer ${token}` } : {}, redirect: 'manual' });
  return res.status;
}

async function expectCode(p: Promise<unknown>, code: string): Promise<GpuburstError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(GpuburstError);
    expect((err as GpuburstError).code).toBe(code);
    return err as GpuburstError;
  }
  throw new Error(`expected ${code}, but it resolved`);
}

describe.each(harnesses.map((h) => [h.provider, h] as const))('%s adapter contract', (_name, harness) => {
  let sim: ProviderSim;
  let provider: Provider;
  let offer: Offer;
  const token = crypto.randomBytes(16).toString('hex');

  beforeAll(async () => {
    sim = await harness.start({ timings: TIMINGS });
    provider = createProvider(harness.provider, { ...configFromEnv(harness.provider, { ...sim.env, ...harness.env }), timeoutMs: 1500 });
    const offers = await provider.listOffers({});
    offer = offers.filter((o) => o.available && !o.interruptible).sort((a, b) => a.usdPerHour - b.usdPerHour)[0];
  });

  afterEach(async () => {
    await sim.server.faults.clear();
  });

  afterAll(async () => {
    // Leave nothing running, whatever a failed case did.
    for (const m of sim.state().machines.filter((x) => x.billing)) await provider.terminateMachine({ id: m.id }).catch(() => undefined);
    await sim.close();
  });

  const ready = (id: string) => provider.waitUntilReady({ id, probe: async (e) => (await answers(e, token)) === 200, timeoutSeconds: 20, pollSeconds: 0.05 });

  test('lists live offers with normalized GPU names and prices', async () => {
    const offers = await provider.listOffers({});
    expect(offers.length).toBeGreaterThan(0);
    for (const o of offers) {
      expect(o.provider).toBe(harness.provider);
      expect(o.live).toBe(true);
      expect(o.usdPerHour).toBeGreaterThan(0);
      expect(o.vramGb).toBeGreaterThan(0);
      expect(o.gpu).not.toMatch(/NVIDIA|GeForce|gpu_\dx|_/);
    }
    expect(offer).toBeDefined();
  });

  test('create → ready (ComfyUI answers with the token, refuses without) → terminate ends billing', async () => {
    const created = await provider.createMachine({ spec: spec(offer, token) });
    expect(created.id).toBeTruthy();
    expect(created.name.startsWith('gpuburst-')).toBe(true);
    const machine = await ready(created.id);
    expect(machine.status).toBe('ready');
    expect(machine.endpoint).toBeTruthy();
    expect(await answers(machine.endpoint!, token)).toBe(200);
    expect(await answers(machine.endpoint!)).not.toBe(200);
    expect(sim.state().machines.find((m) => m.id === created.id)?.running).toBe(true);

    await provider.terminateMachine({ id: created.id });
    const after = sim.state().machines.find((m) => m.id === created.id)!;
    expect(after.billing).toBe(false);
    expect(after.billedSeconds).toBeGreaterThan(0);
    expect((await provider.getMachine({ id: created.id })).status).toBe('terminated');
  });

  test('terminate is idempotent: twice, and on an id that is already gone', async () => {
    const created = await provider.createMachine({ spec: spec(offer, token) });
    await provider.terminateMachine({ id: created.id });
    await provider.terminateMachine({ id: created.id });
    expect(sim.state().machines.filter((m) => m.billing)).toHaveLength(0);
  });

  test('stop (and start again) where the provider can, a typed refusal where it cannot', async () => {
    const created = await provider.createMachine({ spec: spec(offer, token) });
    await ready(created.id);
    const caps = provider.capabilities();
    if (caps.stop.supported) {
      await provider.stopMachine({ id: created.id });
      const deadline = Date.now() + 5000;
      while (sim.state().machines.find((m) => m.id === created.id)!.running && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(sim.state().machines.find((m) => m.id === created.id)!.running).toBe(false);
      // Start again, as `resume` does to pull outputs a stopped machine kept.
      await provider.startMachine({ id: created.id });
      expect((await ready(created.id)).status).toBe('ready');
      expect(sim.state().machines.find((m) => m.id === created.id)!.running).toBe(true);
    } else {
      const err = await expectCode(provider.stopMachine({ id: created.id }), 'ERR_UNSUPPORTED');
      expect(err.message).toContain(caps.stop.reason.slice(0, 20));
      await expectCode(provider.startMachine({ id: created.id }), 'ERR_UNSUPPORTED');
      expect(sim.state().machines.find((m) => m.id === created.id)!.running).toBe(true);
    }
    await provider.terminateMachine({ id: created.id });
    expect(sim.state().machines.find((m) => m.id === created.id)!.billing).toBe(false);
  });

  test('lists our own machines by name with their session', async () => {
    const s = spec(offer, token);
    const created = await provider.createMachine({ spec: s });
    const mine = await provider.listMachines({});
    const found = mine.find((m) => m.id === created.id);
    expect(found?.name).toBe(s.name);
    expect(found?.sessionId).toBe(s.sessionId);
    expect((await provider.listMachines({ name: s.name })).map((m) => m.id)).toEqual([created.id]);
    await provider.terminateMachine({ id: created.id });
  });

  test('capacity gone: a typed capacity error and nothing left billing', async () => {
    const before = sim.state().machines.length;
    await harness.exhaustCapacity(sim, offer);
    let machineId: string | undefined;
    try {
      const created = await provider.createMachine({ spec: spec(offer, token) });
      machineId = created.id;
      await ready(created.id);
      throw new Error('expected a capacity error');
    } catch (err) {
      expect((err as GpuburstError).code).toBe('ERR_CAPACITY');
      machineId ??= (err as GpuburstError).machineId;
    }
    if (machineId) await provider.terminateMachine({ id: machineId });
    expect(sim.state().machines.slice(before).filter((m) => m.billing)).toHaveLength(0);
  });

  test('a create whose response is lost yields exactly one machine', async () => {
    const s = spec(offer, token);
    sim.server.faults.add({ fault: { kind: 'lose-response' }, method: harness.create.method, path: harness.create.path, times: 1 });
    const created = await provider.createMachine({ spec: s });
    const named = sim.state().machines.filter((m) => m.name === s.name || m.name.startsWith(s.name));
    expect(named).toHaveLength(1);
    expect(named[0].id).toBe(created.id);
    await provider.terminateMachine({ id: created.id });
  });

  test('a create answered with 500 is retried only after a look-up: exactly one machine', async () => {
    const s = spec(offer, token);
    sim.server.faults.add({ fault: { kind: 'status', status: 500, body: 'internal error' }, method: harness.create.method, path: harness.create.path, times: 1 });
    const created = await provider.createMachine({ spec: s });
    expect(sim.state().machines.filter((m) => m.name.startsWith(s.name))).toHaveLength(1);
    await provider.terminateMachine({ id: created.id });
  });

  test('reads survive 429 (with and without Retry-After), 500, resets and slow responses', async () => {
    sim.server.faults.add({ fault: { kind: 'status', status: 429, headers: { 'retry-after': '1' }, body: 'Too Many Requests' }, method: 'GET', times: 1 });
    sim.server.faults.add({ fault: { kind: 'status', status: 429, body: 'Too Many Requests' }, method: 'GET', times: 1 });
    sim.server.faults.add({ fault: { kind: 'status', status: 500, body: 'oops' }, method: 'GET', times: 1 });
    expect(Array.isArray(await provider.listMachines({}))).toBe(true);
    expect(sim.server.faults.pending()).toHaveLength(0);
    sim.server.faults.add({ fault: { kind: 'reset' }, method: 'GET', times: 1 });
    sim.server.faults.add({ fault: { kind: 'delay', ms: 2500 }, method: 'GET', times: 1 });
    expect(Array.isArray(await provider.listMachines({}))).toBe(true);
    expect(sim.server.faults.pending()).toHaveLength(0);
  }, 30_000);

  test('an invalid key is an auth error naming the provider, never the key', async () => {
    const badKey = `bad-${crypto.randomBytes(8).toString('hex')}`;
    const bad = createProvider(harness.provider, { ...configFromEnv(harness.provider, { ...sim.env, ...harness.env }), apiKey: badKey });
    const err = await expectCode(bad.listMachines({}), 'ERR_AUTH');
    expect(err.message).toContain(harness.provider);
    expect(JSON.stringify({ ...err, message: err.message, stack: err.stack, cause: String(err.cause) })).not.toContain(badKey);
  });
});
