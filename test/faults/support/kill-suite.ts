/**
 * The kill cases of one provider: every session phase × {SIGINT, SIGTERM → the CLI tears down itself;
 * SIGKILL → `gpuburst resume`, `gpuburst sweep --yes`, or nobody (the watchdog)}.
 */
import type { CloudProviderName } from '../../../providers/types';
import type { World } from '../../../src/sim/world';
import { ensureBuilt } from '../../stacks/support/build';
import { expectPromisesKept } from './check';
import { KillCase, Phase, PHASES, Recovery, runKillCase } from './kill';
import { row, saveRows } from './results';
import { faultWorld } from './world';

const RECOVERIES: [KillCase['signal'], Recovery][] = [
  ['SIGINT', 'cli'],
  ['SIGTERM', 'cli'],
  ['SIGKILL', 'resume'],
  ['SIGKILL', 'sweep'],
  ['SIGKILL', 'watchdog'],
];

const HOW: Record<Recovery, string> = {
  cli: 'the CLI tears down',
  resume: 'gpuburst resume',
  sweep: 'gpuburst sweep --yes',
  watchdog: 'nobody: the watchdog',
};

/** One world per file; `only` narrows the cases (the slice in `npm test`). */
export function describeKills(provider: CloudProviderName, only?: { phase: Phase; signal: KillCase['signal']; recovery: Recovery }[]): void {
  let world: World;
  beforeAll(async () => {
    await ensureBuilt();
    world = await faultWorld([provider]);
  }, 180_000);
  afterAll(async () => {
    saveRows(`kill-${provider}`);
    await world?.close();
  });

  const cases = only ?? PHASES.flatMap((phase) => RECOVERIES.map(([signal, recovery]) => ({ phase, signal, recovery })));
  test.each(cases)(`${provider}: $signal in $phase → $recovery`, async ({ phase, signal, recovery }) => {
    const o = await runKillCase(world, { provider, phase, signal, recovery });
    row('kill', provider, `${signal} while ${phase}`, HOW[recovery], o.findings, o.wallSeconds, recovery !== 'watchdog');
    if (recovery === 'cli') {
      // The CLI itself ended every machine before it exited, and exited on its own with a non-internal code.
      expect(o.exit.signal).toBeNull();
      expect(o.exit.code).not.toBe(0);
      expect(o.exit.code).not.toBe(70);
      expect(o.leftAtExit).toEqual([]);
    }
    if (recovery === 'resume') {
      expect(o.findings.failed).toEqual([]);
      expect(o.findings.promptsDone).toBe(o.findings.promptsTotal);
      // The machine the killed create made is the one resume uses: no second machine.
      if (phase === 'creating') expect(o.findings.machines).toBe(1);
    }
    expectPromisesKept(o.findings, recovery !== 'watchdog');
  }, 150_000);
}
