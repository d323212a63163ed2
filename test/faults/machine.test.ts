/**
 * Faults on the machine and the user's side, on each provider: ComfyUI crashes and restarts mid-batch, websocket
 * drops, a full output disk (kept on the machine, pulled by `resume`), capacity gone when a stopped machine is
 * started again, and a client that never comes back (frozen with SIGSTOP: the machine's watchdog ends it).
 */
import path from 'path';
import { CLOUD_PROVIDERS, CloudProviderName } from '../../providers/types';
import { ProviderPool } from '../../src/session/pool';
import type { World } from '../../src/sim/world';
import { ensureBuilt } from '../stacks/support/build';
import { exitWithin, sessionIdOf, startCli } from './support/cli';
import { expectPromisesKept, inspect, loadJournal, snapshot } from './support/check';
import { row, saveRows } from './support/results';
import { runInProcess } from './support/session';
import { takeCapacity } from './support/stock';
import { batchDir, cliEnv, comfyAdmin, faultWorld, SESSION_TIMINGS, sessionMachines, simOf, until, WATCHDOG_BOUND_MS } from './support/world';

const FULL_DISK = path.join(__dirname, 'support', 'full-disk.js');

let world: World;
beforeAll(async () => {
  await ensureBuilt();
  world = await faultWorld();
}, 180_000);
afterAll(async () => {
  saveRows('machine');
  await world?.close();
});

/** Lambda cannot stop; a stopped RunPod pod loses its container disk: there, outputs wait on a running machine. */
function stopKeepsOutputs(provider: CloudProviderName): boolean {
  const stop = new ProviderPool(world.env).get(provider).capabilities().stop;
  return stop.supported && stop.keepsOutputs !== false;
}

const comfyOf = (sessionId: string, machine: string) => sessionMachines(world, sessionId).find((m) => m.name === machine)?.comfyUrl;

async function inProcessCase(provider: CloudProviderName, name: string, how: string, run: Awaited<ReturnType<typeof runInProcess>>) {
  if (run.error) throw run.error;
  const f = inspect({ world, stateDir: run.stateDir, sessionId: run.sessionId, since: snapshot(world, undefined, run.startedMs), allPulled: true });
  row('machine', provider, name, how, f, (Date.now() - run.startedMs) / 1000);
  expect(f.failed).toEqual([]);
  expect(run.report!.status).toBe('done');
  expect(f.promptsDone).toBe(f.promptsTotal);
  expectPromisesKept(f);
}

/** `gpuburst run` on a disk that fills after two images; returns the session, its journal and the machine. */
async function fillDisk(provider: CloudProviderName) {
  const { dir, batch } = batchDir(`${provider}-disk`, 6);
  // A heartbeat window long enough for the user to free space and resume (30 s).
  const env = cliEnv(world, { NODE_OPTIONS: `--require ${FULL_DISK}`, GPUBURST_TEST_FULL_DISK_DIR: path.join(dir, 'out'), GPUBURST_TEST_FULL_DISK_AFTER_FILES: '2' });
  const run = startCli(['run', batch, '--provider', provider, '--yes', '--json', '--heartbeat-minutes', '0.5'], { cwd: dir, env });
  const exit = await exitWithin(run, 90_000, 'run on a full disk');
  const id = sessionIdOf(run)!;
  const report = run.events.find((e) => e.type === 'report') as unknown as { message: string; prompts: { done: number; failed: number } };
  const journal = loadJournal(path.join(dir, '.gpuburst'), id);
  return { dir, id, exit, report, journal, machine: sessionMachines(world, id)[0] };
}

function expectKeptOnMachine(provider: CloudProviderName, disk: Awaited<ReturnType<typeof fillDisk>>) {
  expect(disk.exit.code).toBe(1);
  expect(disk.report.prompts.done).toBe(2);
  // A failed local write stops rendering: the prompts already on the machine wait there (pullFailed), the rest
  // were never rendered (resume renders them). Rendering on into a full disk would leave all four on the machine.
  const onMachine = disk.journal.prompts.filter((p) => p.pullFailed).length;
  const notRendered = disk.journal.prompts.filter((p) => p.state !== 'done' && !p.pullFailed).length;
  expect(onMachine).toBeGreaterThanOrEqual(1);
  expect({ onMachine: onMachine + notRendered, stoppedEarly: notRendered > 0 }).toEqual({ onMachine: 4, stoppedEarly: true });
  expect(disk.report.message).toContain(`gpuburst resume ${disk.id}`);
  // Said once, not once per clause (the machine's line above the report has its own).
  expect(disk.report.message.split(`gpuburst resume ${disk.id}`)).toHaveLength(2);
  // Never terminated with outputs on it: stopped where the provider can, otherwise left to its armed watchdog.
  expect(disk.machine.terminatedAt).toBeUndefined();
  const rec = disk.journal.machines[0];
  if (!stopKeepsOutputs(provider)) {
    expect(rec.watchdog.armed).toBe(true);
    expect(rec.note).toMatch(/left running/);
  } else {
    expect(rec.state).toBe('stopped');
    expect(disk.machine.running).toBe(false);
  }
}

async function resume(dir: string, id: string, timings: Partial<typeof SESSION_TIMINGS> = {}) {
  const run = startCli(['resume', id, '--yes', '--json'], { cwd: dir, env: cliEnv(world, { GPUBURST_SESSION_TIMINGS: JSON.stringify({ ...SESSION_TIMINGS, ...timings }) }) });
  return { run, exit: await exitWithin(run, 90_000, 'resume') };
}

describe.each(CLOUD_PROVIDERS)('%s', (provider) => {
  test('ComfyUI crashes and restarts mid-batch', async () => {
    let done = 0;
    let id = '';
    const run = await runInProcess(world, provider, {
      tag: 'crash',
      onEvent: (e) => {
        if (e.type === 'session') id ||= e.id;
        if (e.type === 'prompt' && e.state === 'done' && ++done === 2) void comfyAdmin(comfyOf(id, e.machine!)!, 'crash', { restartAfterMs: 500 });
      },
    });
    await inProcessCase(provider, 'ComfyUI crash + restart', 'after 2 of 6 prompts; up again 0.5 s later', run);
  }, 90_000);

  test('the websocket drops during every render', async () => {
    let id = '';
    const run = await runInProcess(world, provider, {
      tag: 'ws',
      onEvent: (e) => {
        if (e.type === 'session') id ||= e.id;
        if (e.type === 'prompt' && e.state === 'running') void comfyAdmin(comfyOf(id, e.machine!)!, 'ws', { drop: true });
      },
    });
    await inProcessCase(provider, 'websocket drops', 'every socket dropped as each prompt starts', run);
  }, 90_000);

  test('a full output disk: the outputs stay on the machine, resume pulls them', async () => {
    const started = Date.now();
    const disk = await fillDisk(provider);
    expectKeptOnMachine(provider, disk);
    const { run, exit } = await resume(disk.dir, disk.id);
    expect({ code: exit.code, stderr: run.stderr() }).toMatchObject({ code: 0 });
    await until(() => !sessionMachines(world, disk.id).some((m) => m.billing) || undefined, 10_000, 'nothing billing').catch(() => undefined);
    const f = inspect({ world, stateDir: path.join(disk.dir, '.gpuburst'), sessionId: disk.id, since: snapshot(world, undefined, started), allPulled: true });
    row('machine', provider, 'full output disk', stopKeepsOutputs(provider) ? 'stopped; resume starts it and pulls' : 'left running (watchdog armed); resume pulls', f, (Date.now() - started) / 1000);
    expect(f.failed).toEqual([]);
    expectPromisesKept(f);
  }, 180_000);

  test('a full output disk, then the machine is gone: resume renders what it held again', async () => {
    const started = Date.now();
    const disk = await fillDisk(provider);
    expectKeptOnMachine(provider, disk);
    const held = disk.journal.prompts.filter((p) => p.pullFailed).map((p) => p.id);
    // Gone before the user came back: its watchdog ended it, the host reclaimed it, or it was deleted in a console.
    await new ProviderPool(world.env).get(provider).terminateMachine({ id: disk.journal.machines[0].id! });
    const { run, exit } = await resume(disk.dir, disk.id);
    expect({ code: exit.code, stderr: run.stderr() }).toMatchObject({ code: 0 });
    expect(run.events.some((e) => e.type === 'log' && /no longer exists and were never pulled: rendering them again/.test(String(e.message)))).toBe(true);
    const after = loadJournal(path.join(disk.dir, '.gpuburst'), disk.id);
    expect(after.prompts.filter((p) => held.includes(p.id)).map((p) => [p.state, p.pullFailed])).toEqual(held.map(() => ['done', undefined]));
    const f = inspect({ world, stateDir: path.join(disk.dir, '.gpuburst'), sessionId: disk.id, since: snapshot(world, undefined, started), allPulled: false });
    row('machine', provider, 'machine gone with outputs', 'full disk; the kept machine is deleted; resume renders its prompts again', f, (Date.now() - started) / 1000);
    expect(f.failed).toEqual([]);
    expect(f.promptsDone).toBe(f.promptsTotal);
    expectPromisesKept(f);
  }, 180_000);

  // Only where outputs wait on a stopped machine is there a restart that can fail.
  (provider === 'vast' || provider === 'paperspace' ? test : test.skip)('capacity gone when the stopped machine is started again', async () => {
    expect(stopKeepsOutputs(provider)).toBe(true);
    const started = Date.now();
    const disk = await fillDisk(provider);
    expectKeptOnMachine(provider, disk);
    const giveBack = await takeCapacity(provider, simOf(world, provider), disk.journal.machines[0].offerId);
    const first = await resume(disk.dir, disk.id, { readyTimeoutSeconds: 8 });
    expect(first.exit.code).not.toBe(0);
    // The outputs are still only on the machine: it must still exist, not billing compute.
    const kept = sessionMachines(world, disk.id)[0];
    expect(kept.terminatedAt).toBeUndefined();
    expect(kept.running).toBe(false);
    expect(loadJournal(path.join(disk.dir, '.gpuburst'), disk.id).prompts.filter((p) => p.pullFailed)).toHaveLength(disk.journal.prompts.filter((p) => p.pullFailed).length);
    await giveBack();
    const second = await resume(disk.dir, disk.id);
    expect({ code: second.exit.code, stderr: second.run.stderr() }).toMatchObject({ code: 0 });
    await until(() => !sessionMachines(world, disk.id).some((m) => m.billing) || undefined, 10_000, 'nothing billing').catch(() => undefined);
    const f = inspect({ world, stateDir: path.join(disk.dir, '.gpuburst'), sessionId: disk.id, since: snapshot(world, undefined, started), allPulled: true });
    row('machine', provider, 'capacity gone at resume', 'stopped with outputs; start refused; machine kept; later resume pulls', f, (Date.now() - started) / 1000);
    expect(f.failed).toEqual([]);
    expectPromisesKept(f);
  }, 240_000);

  test('a client that never comes back: the watchdog ends the machine', async () => {
    const { dir, batch } = batchDir(`${provider}-frozen`, 6);
    const started = Date.now();
    const run = startCli(['run', batch, '--provider', provider, '--yes', '--json', '--heartbeat-minutes', '0.05'], { cwd: dir, env: cliEnv(world) });
    try {
      let running = 0;
      await run.waitFor((e) => e.type === 'prompt' && e.state === 'running' && ++running === 2, 'the second prompt running');
      const id = sessionIdOf(run)!;
      const at = snapshot(world, id);
      // Frozen, not dead: its connections stay open, it just never speaks again (a laptop lid closed for good).
      run.child.kill('SIGSTOP');
      await until(() => !sessionMachines(world, id).some((m) => m.billing || m.running) || undefined, WATCHDOG_BOUND_MS, 'the watchdog to end the machine', 100);
      const f = inspect({ world, stateDir: path.join(dir, '.gpuburst'), sessionId: id, since: at, allPulled: false });
      row('machine', provider, 'client never comes back', 'CLI frozen (SIGSTOP) mid-render; the watchdog ends it', f, (Date.now() - started) / 1000);
      expectPromisesKept(f);
    } finally {
      run.child.kill('SIGKILL');
      await run.exited;
    }
  }, 90_000);
});
