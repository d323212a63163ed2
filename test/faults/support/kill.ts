/**
 * One kill case: `gpuburst run` as a child process, killed with a signal in one session phase, then recovered as a
 * user would (the CLI itself after SIGINT/SIGTERM; after SIGKILL `gpuburst resume`, `gpuburst sweep --yes`, or
 * nobody and the agent's watchdog). How each phase is hit:
 *   creating        the provider delays the create request 1.5 s; the kill lands once the request has arrived
 *   booting         right after the `booting` event (the create answered; the machine boots for ~1 s)
 *   placing-models  the stand-in internet answers model downloads after 2 s; kill on `placing-models`
 *   queueing        the machine's ComfyUI delays the first POST /prompt 1.5 s; kill once it has arrived
 *   rendering       kill when the second prompt starts running (the first is done and pulled)
 *   pulling         ComfyUI delays the first GET /view (the first output pull) 1.5 s; kill once it has arrived
 */
import type { CloudProviderName } from '../../../providers/types';
import type { World } from '../../../src/sim/world';
import { exitWithin, sessionIdOf, startCli } from './cli';
import { Findings, inspect, snapshot, Snapshot } from './check';
import { batchDir, cliEnv, comfyAdmin, CREATE_PATH, HEARTBEAT_MINUTES, pendingProviderFaults, providerFaults, clearProviderFaults, sessionMachines, simOf, sleep, until, WATCHDOG_BOUND_MS, WORLD_TIMINGS } from './world';

export const PHASES = ['creating', 'booting', 'placing-models', 'queueing', 'rendering', 'pulling'] as const;
export type Phase = (typeof PHASES)[number];
export type Recovery = 'cli' | 'resume' | 'sweep' | 'watchdog';

export interface KillCase {
  provider: CloudProviderName;
  phase: Phase;
  signal: 'SIGINT' | 'SIGTERM' | 'SIGKILL';
  recovery: Recovery;
}

export interface KillOutcome {
  findings: Findings;
  /** Session machines billing the moment the CLI exited (SIGINT/SIGTERM: must be none). */
  leftAtExit: string[];
  exit: { code: number | null; signal: NodeJS.Signals | null };
  recoveryExit?: { code: number | null; signal: NodeJS.Signals | null };
  recoveryReport?: Record<string, unknown>;
  stderr: string;
  wallSeconds: number;
}

const DELAY = { kind: 'delay' as const, ms: 1500 };
/** Phases hit by holding a provider or ComfyUI request back for DELAY.ms (the other phases delay nothing that bills). */
const DELAYED_PHASES = new Set<Phase>(['creating', 'queueing', 'pulling']);

export async function runKillCase(world: World, c: KillCase): Promise<KillOutcome> {
  const started = Date.now();
  const { dir, batch } = batchDir(`${c.provider}-${c.phase}`, 6);
  const env = cliEnv(world);
  const sim = simOf(world, c.provider);
  world.cdn.delayMs = c.phase === 'placing-models' ? 2000 : c.phase === 'queueing' ? 800 : 0;
  if (c.phase === 'creating') await providerFaults(sim, [{ fault: DELAY, ...CREATE_PATH[c.provider], times: 1 }]);
  const run = startCli(['run', batch, '--provider', c.provider, '--yes', '--json', '--heartbeat-minutes', String(HEARTBEAT_MINUTES)], { cwd: dir, env });
  try {
    const comfyOf = async (name: string) => until(() => sessionMachines(world, sessionIdOf(run)!).find((m) => m.name === name)?.comfyUrl, 10_000, `${name}'s ComfyUI`);
    const machineEvent = (state: string) => run.waitFor((e) => e.type === 'machine' && e.state === state, `machine ${state}`);
    switch (c.phase) {
      case 'creating':
        await machineEvent('intended');
        await until(async () => !(await pendingProviderFaults(sim)).length || undefined, 10_000, 'the create request to arrive', 20);
        break;
      case 'booting':
        await machineEvent('booting');
        break;
      case 'placing-models':
        await machineEvent('placing-models');
        break;
      case 'queueing': {
        const url = await comfyOf((await machineEvent('placing-models')).name as string);
        await comfyAdmin(url, 'faults', { rules: [{ fault: DELAY, method: 'POST', path: '^/prompt$', times: 1 }] });
        await until(async () => !(await comfyAdmin(url, 'faults', { rules: [] })).faults?.length || undefined, 15_000, 'the first POST /prompt to arrive', 20);
        break;
      }
      case 'rendering': {
        let running = 0;
        await run.waitFor((e) => e.type === 'prompt' && e.state === 'running' && ++running === 2, 'the second prompt running');
        break;
      }
      case 'pulling': {
        const name = (await machineEvent('ready')).name as string;
        await run.waitFor((e) => e.type === 'session' && e.status === 'rendering', 'rendering');
        const url = await comfyOf(name);
        await comfyAdmin(url, 'faults', { rules: [{ fault: DELAY, method: 'GET', path: '^/view$', times: 1 }] });
        await until(async () => !(await comfyAdmin(url, 'faults', { rules: [] })).faults?.length || undefined, 15_000, 'the first pull to arrive', 20);
        break;
      }
    }
    const id = sessionIdOf(run)!;
    const atKill: Snapshot = snapshot(world, id);
    run.child.kill(c.signal);
    const exit = await exitWithin(run, 60_000, `${c.signal} in ${c.phase}`);
    const leftAtExit = sessionMachines(world, id).filter((m) => m.billing || m.running).map((m) => `${m.provider}:${m.name} (${m.status})`);
    world.cdn.delayMs = 0;

    let recoveryExit: KillOutcome['recoveryExit'];
    let recoveryReport: Record<string, unknown> | undefined;
    if (c.recovery === 'resume' || c.recovery === 'sweep') {
      // The user comes back once the create that was in flight has landed (a human is not faster than 2 s).
      if (c.phase === 'creating') await sleep(Math.max(0, atKill.atMs + DELAY.ms + 500 - Date.now()));
      const args = c.recovery === 'resume' ? ['resume', id, '--yes', '--json'] : ['sweep', '--yes', '--json'];
      const rec = startCli(args, { cwd: dir, env });
      recoveryExit = await exitWithin(rec, 90_000, c.recovery);
      recoveryReport = rec.events.find((e) => e.type === 'report' || Array.isArray(e.orphans));
      if (c.recovery === 'resume' && recoveryExit.code !== 0) throw new Error(`resume exited ${recoveryExit.code}: ${rec.stderr().slice(-2000)}`);
    }
    // The recovery window: anything still billing must end within the agent's watchdog bound (a create that
    // landed after the kill boots first). A delayed request may still land: look no sooner than after its delay
    // (only the phases that delay one).
    if (DELAYED_PHASES.has(c.phase)) await sleep(Math.max(0, atKill.atMs + DELAY.ms + 500 - Date.now()));
    await until(() => !sessionMachines(world, id).some((m) => m.billing || m.running) || undefined, WATCHDOG_BOUND_MS + WORLD_TIMINGS.provisionMs + WORLD_TIMINGS.bootMs + 2000, 'every machine to end', 100).catch(() => undefined);
    const findings = inspect({ world, stateDir: `${dir}/.gpuburst`, sessionId: id, since: atKill, allPulled: c.recovery === 'cli' || c.recovery === 'resume' });
    return { findings, leftAtExit, exit, recoveryExit, recoveryReport, stderr: run.stderr(), wallSeconds: (Date.now() - started) / 1000 };
  } finally {
    if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
    world.cdn.delayMs = 0;
    await clearProviderFaults(world);
    await sleep(0);
  }
}
