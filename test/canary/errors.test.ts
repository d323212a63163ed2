/**
 * Key canaries in error objects. Every error an adapter throws on its failure paths — a wrong key, an API that
 * echoes the key back in its error body, a refused create, no capacity, a network failure whose axios cause holds
 * the request headers — and the error a failed session throws (with its report attached) is serialized whole
 * (message, stack, every property, the cause chain) and must not hold a simulator key.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { configFromEnv, createProvider } from '../../providers';
import { GpuburstError } from '../../providers/errors';
import type { MachineSpec, Offer, Provider } from '../../providers/types';
import type { ProviderSim } from '../../src/sim/common/types';
import { simKey } from '../../src/sim/common/test-keys';
import { runSession } from '../../src/session/session';
import type { SessionEvent } from '../../src/session/events';
import { startWorld } from '../../src/sim/world';
import type { ContractHarness } from '../providers/harness/types';
import { findCanary, serializeError } from './scan';

const harnessDir = path.join(__dirname, '..', 'providers', 'harness');
const harnesses = fs
  .readdirSync(harnessDir)
  .filter((f) => f.endsWith('.ts') && f !== 'types.ts')
  .map((f) => require(path.join(harnessDir, f)).harness as ContractHarness);

async function thrown(p: Promise<unknown>): Promise<GpuburstError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GpuburstError);
  return err as GpuburstError;
}

/** The whole error, as any log line or `--json` could show it, holds no key. */
function expectClean(err: unknown, key: string): void {
  const text = serializeError(err);
  expect(findCanary(text)).toBeUndefined();
  expect(text).not.toContain(key);
}

function spec(offer: Offer, name: string): MachineSpec {
  return { name, sessionId: 'canary', offerId: offer.offerId, image: 'ghcr.io/ai-dock/comfyui:latest-cuda', env: { WEB_TOKEN: 'canary-token-0001' }, ports: [{ port: 8188, protocol: 'http' }], diskGb: 40 };
}

describe.each(harnesses.map((h) => [h.provider, h] as const))('%s adapter errors', (_name, harness) => {
  let sim: ProviderSim;
  let provider: Provider;
  let key: string;
  let offer: Offer;
  const env = () => ({ ...sim.env, ...harness.env });

  beforeAll(async () => {
    sim = await harness.start({ timings: { provisionMs: 50, bootMs: 50, comfyStartMs: 50, stopMs: 50 } });
    key = sim.env[Object.keys(sim.env).find((k) => k.endsWith('_API_KEY'))!];
    provider = createProvider(harness.provider, { ...configFromEnv(harness.provider, env()), timeoutMs: 1500 });
    offer = (await provider.listOffers({})).filter((o) => o.available && !o.interruptible).sort((a, b) => a.usdPerHour - b.usdPerHour)[0];
  });
  afterEach(() => sim.server.faults.clear());
  afterAll(async () => {
    for (const m of sim.state().machines.filter((x) => x.billing)) await provider.terminateMachine({ id: m.id }).catch(() => undefined);
    await sim.close();
  });

  test('a wrong key', async () => {
    const wrong = simKey('wrong-', 16);
    const bad = createProvider(harness.provider, { ...configFromEnv(harness.provider, env()), apiKey: wrong });
    const err = await thrown(bad.listMachines({}));
    expect(err.code).toBe('ERR_AUTH');
    expectClean(err, wrong);
  });

  test('an API whose error body echoes the key', async () => {
    sim.server.faults.add({ fault: { kind: 'status', status: 401, body: { error: `invalid api key ${key}`, message: `key ${key} is not valid` } }, method: 'GET', times: -1 });
    const err = await thrown(provider.listMachines({}));
    expect(err.code).toBe('ERR_AUTH');
    expectClean(err, key);
  });

  test('a refused create whose body echoes the key', async () => {
    sim.server.faults.add({ fault: { kind: 'status', status: 400, body: { error: `bad request from ${key}`, detail: `Authorization: Bearer ${key}` } }, method: harness.create.method, path: harness.create.path, times: 1 });
    const err = await thrown(provider.createMachine({ spec: spec(offer, `gpuburst-canary-${Date.now()}`) }));
    expectClean(err, key);
  });

  test('no capacity', async () => {
    await harness.exhaustCapacity(sim, offer);
    const err = await thrown(
      (async () => {
        const m = await provider.createMachine({ spec: spec(offer, `gpuburst-canary-cap-${Date.now()}`) });
        // Paperspace takes the create and fails it while placing the machine.
        await provider.waitUntilReady({ id: m.id, probe: async () => false, timeoutSeconds: 5, pollSeconds: 0.05 });
      })(),
    );
    expect(err.code).toBe('ERR_CAPACITY');
    expectClean(err, key);
  }, 20_000);

  test('a network failure (the axios cause carries the request headers)', async () => {
    const dead = createProvider(harness.provider, { ...configFromEnv(harness.provider, { ...env(), [Object.keys(sim.env).find((k) => k.endsWith('_API_URL'))!]: 'http://127.0.0.1:9/v1' }), timeoutMs: 500 });
    const err = await thrown(dead.listMachines({ signal: AbortSignal.timeout(300) }));
    expect(err.code).toBe('ERR_TRANSIENT');
    expect(err.cause).toBeDefined();
    expectClean(err, key);
  });
});

test('a session that fails after renting: the error, its report, the events and the journal hold no key', async () => {
  const world = await startWorld({ providers: ['runpod'], timings: { provisionMs: 50, bootMs: 50, comfyStartMs: 50, stopMs: 50 }, comfy: { msPerStep: 1, startDelayMs: 60_000 } });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-canary-session-'));
  try {
    fs.copyFileSync(path.join(__dirname, '..', '..', 'examples', 'sd15-txt2img.api.json'), path.join(dir, 'wf.json'));
    fs.writeFileSync(path.join(dir, 'b.yaml'), 'output: out\nmodels:\n  - url: https://huggingface.co/x/v1-5-pruned-emaonly-fp16.safetensors\n    folder: checkpoints\nworkflows:\n  - path: wf.json\n');
    const events: SessionEvent[] = [];
    const key = world.env.RUNPOD_API_KEY;
    // ComfyUI never answers (a slow start longer than the ready timeout): the session fails with a machine rented.
    const err = await thrown(
      runSession({
        batchFile: path.join(dir, 'b.yaml'), provider: 'runpod', pods: 1, teardown: 'terminate', idleMinutes: 10, heartbeatMinutes: 10, remoteKey: true, comfyUrls: [],
        stateDir: path.join(dir, '.gpuburst'), cwd: dir, env: { ...world.env }, confirm: async () => true, emit: (e) => events.push(e),
        timings: { readyTimeoutSeconds: 1, modelsTimeoutSeconds: 5, pollSeconds: 0.1, heartbeatMs: 300, agentPollSeconds: 0.3, confirmSeconds: 10 },
      }),
    );
    expect((err as GpuburstError & { report?: unknown }).report).toBeDefined();
    expectClean(err, key);
    expect(findCanary(JSON.stringify(events))).toBeUndefined();
    const journals = fs.readdirSync(path.join(dir, '.gpuburst', 'sessions'));
    for (const j of journals) expect(findCanary(fs.readFileSync(path.join(dir, '.gpuburst', 'sessions', j), 'utf8'))).toBeUndefined();
    expect(world.sims[0].state().machines.filter((m) => m.billing)).toEqual([]);
  } finally {
    await world.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
