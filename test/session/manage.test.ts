/**
 * After a crash: `status` shows the session's machine as the provider sees it and what it has cost; `sweep` finds
 * machines whose session is not running and (with --yes) terminates them, telling their journal; `down` ends a
 * session's machines, refusing while finished outputs are still only on a machine unless forced.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { main } from '../../src/cli';
import { Journal } from '../../src/session/journal';
import { MachineLifecycle } from '../../src/session/lifecycle';
import { makePlan } from '../../src/session/plan';
import { ProviderPool } from '../../src/session/pool';
import { parseSessionRequest } from '../../src/session/request';
import { openJournal } from '../../src/session/session';
import { DEFAULT_TIMINGS } from '../../src/session/timings';
import { startWorld, World } from '../../src/sim/world';
import { captureContext } from '../cli/support/cli';

let world: World;
beforeAll(async () => {
  world = await startWorld({ providers: ['vast', 'lambda'], timings: { provisionMs: 50, bootMs: 50, comfyStartMs: 50, stopMs: 50 } });
});
afterAll(() => world.close());

const ctx = (dir: string) => captureContext({ ...world.env }, dir);

/** A session whose process "died" right after its machine became ready: the journal says ready, nobody owns it. */
async function crashedSession(dir: string, provider: 'vast' | 'lambda', simulated?: boolean): Promise<Journal> {
  fs.copyFileSync(path.join(__dirname, '..', '..', 'examples', 'sd15-txt2img.api.json'), path.join(dir, 'wf.json'));
  fs.writeFileSync(path.join(dir, 'batch.yaml'), 'output: out\nmodels:\n  - url: https://example.com/v1-5-pruned-emaonly-fp16.safetensors\n    folder: checkpoints\nworkflows:\n  - path: wf.json\n    name: w\n    repeat: 2\n');
  const env = { ...world.env };
  const pool = new ProviderPool(env);
  const request = parseSessionRequest({ batchFile: path.join(dir, 'batch.yaml'), provider, simulated });
  const plan = await makePlan(request, pool, env, dir);
  const stateDir = path.join(dir, '.gpuburst');
  const journal = openJournal(request, plan, stateDir);
  const timings = { ...DEFAULT_TIMINGS, readyTimeoutSeconds: 20, modelsTimeoutSeconds: 20, pollSeconds: 0.1, heartbeatMs: 500, agentPollSeconds: 1 };
  const m = await new MachineLifecycle({ journal, stateDir, pool, request, timings, plan }).provision(0, plan.ranked.map((r) => r.offer));
  await m.channel?.stop();
  journal.now((d) => Object.assign(d, { status: 'rendering', owner: { pid: 2 ** 22 + 4321, host: d.owner.host } }));
  return journal;
}

const billingNamed = (name: string) => world.sims.flatMap((s) => s.state().machines).find((m) => m.name === name)!.billing;

test('status shows the crashed session; sweep lists, then terminates, and tells the journal', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-manage-'));
  const journal = await crashedSession(dir, 'vast');
  const name = journal.data.machines[0].name;

  const s = ctx(dir);
  expect(await main(['node', 'gpuburst', 'status', '--json'], s)).toBe(0);
  const [row] = JSON.parse(s.out()).sessions;
  expect(row).toMatchObject({ id: journal.data.id, live: false, status: 'rendering' });
  expect(row.machines[0].providerStatus).toMatch(/^running/);
  expect(row.spentUsd).toBeGreaterThan(0);

  const dry = ctx(dir);
  expect(await main(['node', 'gpuburst', 'sweep', '--json'], dry)).toBe(0);
  expect(JSON.parse(dry.out()).orphans.map((o: { name: string }) => o.name)).toContain(name);
  expect(billingNamed(name)).toBe(true);

  const wet = ctx(dir);
  expect(await main(['node', 'gpuburst', 'sweep', '--yes'], wet)).toBe(0);
  expect(wet.out()).toMatch(new RegExp(`${name}.*terminated`));
  expect(billingNamed(name)).toBe(false);
  expect(Journal.load(path.join(dir, '.gpuburst'), journal.data.id)!.data.machines[0]).toMatchObject({ state: 'terminated', note: 'terminated by gpuburst sweep' });
}, 60_000);

test('down refuses while outputs are only on the machine, then ends it with --force', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-manage-'));
  const journal = await crashedSession(dir, 'lambda');
  const name = journal.data.machines[0].name;
  journal.now((d) => Object.assign(d.prompts[0], { state: 'failed', machine: name, pullFailed: true, error: 'outputs could not be pulled' }));

  const refused = ctx(dir);
  expect(await main(['node', 'gpuburst', 'down', journal.data.id], refused)).toBe(2);
  expect(refused.err()).toMatch(/still have their outputs only on the machine.*resume/);
  expect(billingNamed(name)).toBe(true);

  const forced = ctx(dir);
  expect(await main(['node', 'gpuburst', 'down', journal.data.id, '--force'], forced)).toBe(0);
  expect(forced.out()).toMatch(/terminated/);
  expect(billingNamed(name)).toBe(false);
}, 60_000);

test('a simulated session seen from a shell without its simulators: status and down never ask a provider with the keys set', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-manage-'));
  const journal = await crashedSession(dir, 'vast', true);
  const name = journal.data.machines[0].name;
  // Real-looking keys and URLs are set (they reach the simulator here), but this shell is not a simulated world.
  const elsewhere = () => captureContext({ ...world.env, GPUBURST_SIMULATED: '' }, dir);

  const s = elsewhere();
  expect(await main(['node', 'gpuburst', 'status'], s)).toBe(0);
  expect(s.out()).toContain(`${journal.data.id}  rendering (its process is gone)  simulated`);
  expect(s.out()).toContain('provider not asked (a simulated machine; its simulators are not running in this shell)');
  expect(s.out()).toContain(`finish with: gpuburst resume ${journal.data.id}; or end it with: gpuburst down ${journal.data.id}`);

  const down = elsewhere();
  expect(await main(['node', 'gpuburst', 'down', journal.data.id], down)).toBe(0);
  expect(down.out()).toMatch(new RegExp(`${name}.*released — a simulated machine: nothing real was rented`));
  expect(billingNamed(name)).toBe(true); // no terminate went out
  expect(Journal.load(path.join(dir, '.gpuburst'), journal.data.id)!.data).toMatchObject({ status: 'stopped', machines: [{ state: 'terminated' }] });

  // In the simulated world the same session's machine is asked, and ended, as any other.
  const dir2 = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-manage-'));
  const journal2 = await crashedSession(dir2, 'vast', true);
  const inWorld = captureContext({ ...world.env, GPUBURST_SIMULATED: '1' }, dir2);
  expect(await main(['node', 'gpuburst', 'down', journal2.data.id], inWorld)).toBe(0);
  expect(billingNamed(journal2.data.machines[0].name)).toBe(false);
}, 60_000);
