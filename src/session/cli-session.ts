/**
 * What `gpuburst run` adds around a session: the state folder below the working directory. The request arrives
 * built and checked (./request-sources) and the environment ready (with `--simulate`, the CLI has pointed it at a
 * simulated world); nothing here re-defaults either.
 */
import path from 'path';
import type { Emit } from './events';
import type { Plan } from './plan';
import type { SessionReport } from './report';
import type { SessionRequest } from './request';
import { runSession } from './session';
import type { SessionTimings } from './timings';

/** @public bench/session-common.js loads it from dist/ here. */
export { SIMULATED_TIMINGS } from './timings';

export interface CliRuntime {
  cwd: string;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  emit: Emit;
  confirm: (plan: Plan, notes: string[]) => Promise<boolean>;
  /** Tests shorten the waits further. */
  timings?: Partial<SessionTimings>;
}

export function runSessionFromCli(request: SessionRequest, o: CliRuntime): Promise<SessionReport> {
  return runSession({ ...request, stateDir: path.join(o.cwd, '.gpuburst'), cwd: o.cwd, env: o.env, timings: o.timings, signal: o.signal, emit: o.emit, confirm: o.confirm });
}
