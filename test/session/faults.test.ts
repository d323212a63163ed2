/**
 * A slice of the fault matrix (test/faults, `npm run test:faults`) that runs with every `npm test`: a lost create, a
 * full disk, a frozen client — and one test for each bug the matrix found, each of which failed before its fix (see
 * docs/fault-matrix.md). The kills of the real CLI are in faults-kills.test.ts.
 */
import path from 'path';
import { PromptRunner } from '../../src/comfy/runner';
import { runSession } from '../../src/session/session';
import { watchdogCadence, DEFAULT_TIMINGS } from '../../src/session/timings';
import type { World } from '../../src/sim/world';
import { clientFor, sd15Prompt, simWithModel, tempDir } from '../comfy/helpers';
import { ensureBuilt } from '../stacks/support/build';
import { exitWithin, sessionIdOf, startCli } from '../faults/support/cli';
import { expectPromisesKept, inspect, loadJournal, snapshot } from '../faults/support/check';
import { runInProcess } from '../faults/support/session';
import { sessionOptions } from './support/options';
import { batchDir, cliEnv, CREATE_PATH, faultWorld, providerFaults, SESSION_TIMINGS, sessionMachines, simOf, until, WATCHDOG_BOUND_MS } from '../faults/support/world';

let world: World;
beforeAll(async () => {
  await ensureBuilt();
  world = await faultWorld();
}, 180_000);
afterAll(() => world?.close());

test('a create whose answer is lost makes exactly one machine', async () => {
  await providerFaults(simOf(world, 'runpod'), [{ fault: { kind: 'lose-response' }, ...CREATE_PATH.runpod, times: 1 }]);
  const run = await runInProcess(world, 'runpod', { tag: 'lost-create', repeat: 3 });
  if (run.error) throw run.error;
  const f = inspect({ world, stateDir: run.stateDir, sessionId: run.sessionId, since: snapshot(world, undefined, run.startedMs), allPulled: true });
  expect(f.machines).toBe(1);
  expect(f.promptsDone).toBe(3);
  expectPromisesKept(f);
}, 60_000);

describe('a full output disk', () => {
  const fullDisk = path.join(__dirname, '..', 'faults', 'support', 'full-disk.js');
  // paperspace: stopped, its ComfyUI forgets its history on restart (resume pulls by the names the journal kept);
  // runpod: a stop would clear the container disk, so the pod is left to its watchdog instead.
  test.each(['paperspace', 'runpod'] as const)('%s: kept on the machine, never terminated; resume pulls everything', async (provider) => {
    const { dir, batch } = batchDir(`${provider}-slice-disk`, 4);
    const started = Date.now();
    const env = cliEnv(world, { NODE_OPTIONS: `--require ${fullDisk}`, GPUBURST_TEST_FULL_DISK_DIR: path.join(dir, 'out'), GPUBURST_TEST_FULL_DISK_AFTER_FILES: '1' });
    const run = startCli(['run', batch, '--provider', provider, '--yes', '--json', '--heartbeat-minutes', '0.5'], { cwd: dir, env });
    expect((await exitWithin(run, 90_000, 'run on a full disk')).code).toBe(1);
    const id = sessionIdOf(run)!;
    const kept = sessionMachines(world, id)[0];
    expect(kept.terminatedAt).toBeUndefined();
    expect(loadJournal(path.join(dir, '.gpuburst'), id).machines[0].state).toBe(provider === 'runpod' ? 'ready' : 'stopped');
    expect(String((run.events.find((e) => e.type === 'report') as { message?: string }).message)).toContain(`gpuburst resume ${id}`);
    const resume = startCli(['resume', id, '--yes', '--json'], { cwd: dir, env: cliEnv(world) });
    const resumed = await exitWithin(resume, 90_000, 'resume');
    expect({ code: resumed.code, stderr: resumed.code === 0 ? '' : resume.stderr().slice(-600) }).toEqual({ code: 0, stderr: '' });
    await until(() => !sessionMachines(world, id).some((m) => m.billing) || undefined, 10_000, 'nothing billing').catch(() => undefined);
    const f = inspect({ world, stateDir: path.join(dir, '.gpuburst'), sessionId: id, since: snapshot(world, undefined, started), allPulled: true });
    expect(f.failed).toEqual([]);
    expect(f.promptsDone).toBe(4);
    expectPromisesKept(f);
  }, 150_000);
});

test('a client that never comes back (frozen): the watchdog ends the machine', async () => {
  const { dir, batch } = batchDir('lambda-slice-frozen', 6);
  const run = startCli(['run', batch, '--provider', 'lambda', '--yes', '--json', '--heartbeat-minutes', '0.05'], { cwd: dir, env: cliEnv(world) });
  try {
    await run.waitFor((e) => e.type === 'prompt' && e.state === 'running', 'a prompt running');
    const id = sessionIdOf(run)!;
    const at = snapshot(world, id);
    run.child.kill('SIGSTOP');
    await until(() => !sessionMachines(world, id).some((m) => m.billing || m.running) || undefined, WATCHDOG_BOUND_MS, 'the watchdog to end the machine', 100);
    expectPromisesKept(inspect({ world, stateDir: path.join(dir, '.gpuburst'), sessionId: id, since: at, allPulled: false }));
  } finally {
    run.child.kill('SIGKILL');
    await run.exited;
  }
}, 90_000);

describe('bugs the matrix found', () => {
  test('a watchdog window shorter than the configured heartbeat interval does not end a healthy session', async () => {
    expect(watchdogCadence(DEFAULT_TIMINGS, 1)).toEqual({ heartbeatMs: 15_000, agentPollSeconds: 15 });
    const { dir, batch } = batchDir('cadence', 12);
    const report = await runSession(sessionOptions(world, dir, {
      batchFile: batch,
      provider: 'runpod',
      heartbeatMinutes: 0.02,
      // Beats every 5 s against a 1.2 s window: before the fix the agent ended the machine mid-batch.
      timings: { ...SESSION_TIMINGS, heartbeatMs: 5000, agentPollSeconds: 0.2 },
    }));
    expect(report.prompts.done).toBe(12);
  }, 60_000);

  test('a stopped runner gives back its queued prompts at once, not at the next safety poll', async () => {
    const sim = await simWithModel({ msPerStep: 50 });
    try {
      const runner: PromptRunner = new PromptRunner({
        client: clientFor(sim),
        outputDir: tempDir('gpuburst-stop-'),
        // Polls far beyond the test's timeout: only the fix lets the run end in time.
        safetyPollMs: 600_000,
        wsSilenceMs: 600_000,
        callbacks: { onRunning: () => runner.stop() },
      });
      const summary = await runner.run(Array.from({ length: 4 }, (_, i) => ({ id: `p${i}`, prompt: sd15Prompt(100 + i) })));
      expect(summary.done).toBeGreaterThanOrEqual(1);
      expect(summary.done + summary.cancelled + summary.notStarted).toBe(4);
    } finally {
      await sim.close();
    }
  }, 20_000);
});
