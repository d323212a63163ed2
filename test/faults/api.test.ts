/**
 * Provider API faults through a whole session, on each provider's simulator: 429 with and without Retry-After,
 * 500, timeouts, connection resets (each on the create, the status polls and the terminate), a create whose answer
 * is lost, and capacity gone at create (failover to the next offer). Every session must end with all prompts done,
 * everything pulled, one machine that did the work, nothing billing.
 */
import { CLOUD_PROVIDERS, CloudProviderName } from '../../providers/types';
import type { Fault, FaultRule } from '../../src/sim/common/faults';
import { makePlan } from '../../src/session/plan';
import { ProviderPool } from '../../src/session/pool';
import type { World } from '../../src/sim/world';
import { harness as lambdaHarness } from '../providers/harness/lambda';
import { harness as paperspaceHarness } from '../providers/harness/paperspace';
import { harness as runpodHarness } from '../providers/harness/runpod';
import { harness as vastHarness } from '../providers/harness/vast';
import { expectPromisesKept, inspect, loadJournal, snapshot } from './support/check';
import { row, saveRows } from './support/results';
import { runInProcess } from './support/session';
import { batchDir, clearProviderFaults, CREATE_PATH, faultWorld, providerFaults, simOf } from './support/world';

const HARNESS = { runpod: runpodHarness, vast: vastHarness, lambda: lambdaHarness, paperspace: paperspaceHarness };

/** Status polls and terminate per provider (the create is in CREATE_PATH). */
const API: Record<CloudProviderName, { get: { method: string; path: string }; terminate: { method: string; path: string } }> = {
  runpod: { get: { method: 'GET', path: '^/v2/pods/[^/]+$' }, terminate: { method: 'DELETE', path: '^/v2/pods/[^/]+$' } },
  vast: { get: { method: 'GET', path: '^/api/v0/instances/\\d+/$' }, terminate: { method: 'DELETE', path: '^/api/v0/instances/\\d+/$' } },
  lambda: { get: { method: 'GET', path: '^/api/v1/instances/[^/]+$' }, terminate: { method: 'POST', path: '^/api/v1/instance-operations/terminate$' } },
  paperspace: { get: { method: 'GET', path: '^/v1/machines/[^/]+$' }, terminate: { method: 'DELETE', path: '^/v1/machines/[^/]+$' } },
};

/** The client's timeout in the timeout cases; the simulator answers half a second after it (the create still happens). */
const TIMEOUT_MS = 1000;

const FAULTS: { name: string; fault: Fault; env?: (p: CloudProviderName) => Record<string, string> }[] = [
  { name: '429 with Retry-After', fault: { kind: 'status', status: 429, headers: { 'Retry-After': '1' }, body: { error: 'rate limited' } } },
  { name: '429 without Retry-After', fault: { kind: 'status', status: 429, body: { error: 'rate limited' } } },
  { name: '500', fault: { kind: 'status', status: 500, body: { error: 'internal error' } } },
  { name: 'timeout', fault: { kind: 'delay', ms: TIMEOUT_MS + 500 }, env: (p) => ({ [`GPUBURST_${p.toUpperCase()}_TIMEOUT_MS`]: String(TIMEOUT_MS) }) },
  { name: 'connection reset', fault: { kind: 'reset' } },
];

let world: World;
beforeAll(async () => {
  world = await faultWorld();
}, 60_000);
afterAll(async () => {
  saveRows('api');
  await world?.close();
});
afterEach(() => clearProviderFaults(world));

async function expectClean(provider: CloudProviderName, name: string, how: string, run: Awaited<ReturnType<typeof runInProcess>>) {
  if (run.error) throw run.error;
  const f = inspect({ world, stateDir: run.stateDir, sessionId: run.sessionId, since: snapshot(world, undefined, run.startedMs), allPulled: true });
  row('api', provider, name, how, f, (Date.now() - run.startedMs) / 1000);
  expect(f.failed).toEqual([]);
  expect(run.report!.status).toBe('done');
  expect(f.promptsDone).toBe(f.promptsTotal);
  expectPromisesKept(f);
  return f;
}

describe.each(CLOUD_PROVIDERS)('%s', (provider) => {
  test.each(FAULTS)('$name on the create, the status polls and the terminate', async ({ name, fault, env }) => {
    const rules: FaultRule[] = [
      { fault, ...CREATE_PATH[provider], times: 1 },
      { fault, ...API[provider].get, times: 2 },
      { fault, ...API[provider].terminate, times: 1 },
    ];
    await providerFaults(simOf(world, provider), rules);
    const run = await runInProcess(world, provider, { tag: name.replace(/\W+/g, '-'), env: env?.(provider) });
    const f = await expectClean(provider, name, 'create, 2 status polls, terminate', run);
    expect(f.machines).toBe(1);
  }, 90_000);

  test('a create whose answer is lost makes exactly one machine', async () => {
    await providerFaults(simOf(world, provider), [{ fault: { kind: 'lose-response' }, ...CREATE_PATH[provider], times: 1 }]);
    const run = await runInProcess(world, provider, { tag: 'lost-create' });
    const f = await expectClean(provider, 'lost create response', 'handled, answer dropped', run);
    expect(f.machines).toBe(1);
  }, 90_000);

  test('capacity gone at create: fails over to the next offer', async () => {
    // The same plan the session will make; its first offer goes away between listing and create: the create is
    // held 0.6 s at the provider, and the capacity is taken the moment the session announces its intent.
    const { batch, dir } = batchDir(`${provider}-plan`, 6);
    const plan = await makePlan({ batchFile: batch, provider, pods: 1 }, new ProviderPool(world.env), world.env, dir);
    await providerFaults(simOf(world, provider), [{ fault: { kind: 'delay', ms: 600 }, ...CREATE_PATH[provider], times: 1 }]);
    let taken: Promise<void> | undefined;
    const run = await runInProcess(world, provider, {
      tag: 'capacity',
      onEvent: (e) => {
        if (e.type === 'machine' && e.state === 'intended') taken ??= HARNESS[provider].exhaustCapacity(simOf(world, provider), plan.ranked[0].offer);
      },
    });
    await taken;
    const f = await expectClean(provider, 'capacity gone at create', 'failover to the next offer', run);
    const machines = loadJournal(run.stateDir, run.sessionId).machines;
    expect(machines).toHaveLength(2);
    expect(machines[0].offerId).toBe(plan.ranked[0].offer.offerId);
    expect(['not-created', 'terminated']).toContain(machines[0].state);
    expect(machines[1].offerId).not.toBe(plan.ranked[0].offer.offerId);
    expect(f.machines).toBeLessThanOrEqual(2);
  }, 90_000);
});
