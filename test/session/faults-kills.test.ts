/**
 * The kill cases of the fault-matrix slice (test/session/faults.test.ts has the rest; split so that the two jest
 * workers share the slowest work): the real CLI killed in several phases on each provider, then recovered as a user
 * would (see test/faults/support/kill.ts for how each phase is hit).
 */
import type { World } from '../../src/sim/world';
import { ensureBuilt } from '../stacks/support/build';
import { expectPromisesKept } from '../faults/support/check';
import { KillCase, runKillCase } from '../faults/support/kill';
import { faultWorld } from '../faults/support/world';

let world: World;
beforeAll(async () => {
  await ensureBuilt();
  world = await faultWorld();
}, 180_000);
afterAll(() => world?.close());

describe('kills of the real CLI', () => {
  const cases: (KillCase & { why: string })[] = [
    { provider: 'vast', phase: 'creating', signal: 'SIGINT', recovery: 'cli', why: 'a create in flight is completed and ended, not abandoned' },
    { provider: 'paperspace', phase: 'placing-models', signal: 'SIGTERM', recovery: 'cli', why: 'the heartbeat stops with the models wait, so the CLI exits' },
    { provider: 'runpod', phase: 'rendering', signal: 'SIGINT', recovery: 'cli', why: 'the running prompt is interrupted (what it made pulled), the queued ones given back at once' },
    { provider: 'vast', phase: 'booting', signal: 'SIGKILL', recovery: 'resume', why: 'resume waits for the models the agent is still placing' },
    { provider: 'paperspace', phase: 'creating', signal: 'SIGKILL', recovery: 'resume', why: 'resume adopts the machine the killed create made' },
    { provider: 'runpod', phase: 'creating', signal: 'SIGKILL', recovery: 'sweep', why: 'sweep ends it and gives the journal its id' },
    { provider: 'lambda', phase: 'queueing', signal: 'SIGINT', recovery: 'cli', why: 'a prompt queued as the signal came is taken back or interrupted, nothing made is left behind' },
    { provider: 'lambda', phase: 'pulling', signal: 'SIGKILL', recovery: 'watchdog', why: "the agent's terminate survives Lambda's 1 request/s limit" },
  ];
  test.each(cases)('$provider: $signal while $phase → $recovery ($why)', async (c) => {
    const o = await runKillCase(world, c);
    if (c.recovery === 'cli') {
      expect(o.exit.signal).toBeNull();
      expect(o.exit.code).not.toBe(70);
      expect(o.leftAtExit).toEqual([]);
    }
    if (c.recovery === 'resume') {
      expect(o.findings.failed).toEqual([]);
      expect(o.findings.promptsDone).toBe(o.findings.promptsTotal);
    }
    // The machine the killed create made is the one resume uses: no second machine.
    if (c.phase === 'creating' && c.recovery === 'resume') expect(o.findings.machines).toBe(1);
    expectPromisesKept(o.findings, c.recovery !== 'watchdog');
  }, 120_000);
});
