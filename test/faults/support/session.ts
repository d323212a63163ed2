/**
 * A session run in this process against the world (the same `runSession` the CLI runs), for faults that need no
 * process kill: provider API faults, capacity, ComfyUI crashes and websocket drops.
 */
import path from 'path';
import type { CloudProviderName } from '../../../providers/types';
import type { SessionEvent } from '../../../src/session/events';
import type { SessionReport } from '../../../src/session/report';
import { runSession, RunSessionOptions } from '../../../src/session/session';
import type { World } from '../../../src/sim/world';
import { sessionOptions } from '../../session/support/options';
import { batchDir, HEARTBEAT_MINUTES, SESSION_TIMINGS } from './world';

export interface InProcessRun {
  dir: string;
  batch: string;
  stateDir: string;
  sessionId: string;
  report?: SessionReport;
  error?: unknown;
  events: SessionEvent[];
  startedMs: number;
}

export async function runInProcess(world: World, provider: CloudProviderName, o: { tag: string; repeat?: number; env?: Record<string, string>; onEvent?: (e: SessionEvent) => void; over?: Partial<RunSessionOptions> }): Promise<InProcessRun> {
  const { dir, batch } = batchDir(`${provider}-${o.tag}`, o.repeat ?? 6);
  const events: SessionEvent[] = [];
  const run: InProcessRun = { dir, batch, stateDir: path.join(dir, '.gpuburst'), sessionId: '', events, startedMs: Date.now() };
  try {
    run.report = await runSession(sessionOptions(world, dir, {
      batchFile: batch,
      provider,
      heartbeatMinutes: HEARTBEAT_MINUTES,
      env: { ...world.env, ...o.env },
      timings: SESSION_TIMINGS,
      emit: (e) => {
        events.push(e);
        if (e.type === 'session' && !run.sessionId) run.sessionId = e.id;
        o.onEvent?.(e);
      },
      ...o.over,
    }));
  } catch (err) {
    run.error = err;
  }
  return run;
}
