/**
 * What `gpuburst run` adds around a session: defaults from the batch file, the state folder, the notes a user must
 * read before renting (which machines get a key, what happens without one), and `--simulate`, which starts a
 * whole simulated world in this process and points the session at it instead of the real clouds.
 */
import path from 'path';
import { PROVIDER_ENV } from '../../providers/index';
import { CLOUD_PROVIDERS, ProviderName } from '../../providers/types';
import { parseBatch } from '../comfy/batch/load';
import type { Emit } from './events';
import type { Plan } from './plan';
import type { SessionReport } from './report';
import { runSession } from './session';
import type { SessionTimings } from './timings';

export interface CliSessionOptions {
  batchFile: string;
  provider?: ProviderName | 'auto';
  gpu?: string;
  pods: number;
  maxCostUsd?: number;
  maxUsdPerHour?: number;
  outDir?: string;
  teardown: 'terminate' | 'stop';
  idleMinutes: number;
  heartbeatMinutes: number;
  remoteKey: boolean;
  comfyUrls: string[];
  model?: string;
  interruptible: boolean;
  simulate: boolean;
  cwd: string;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  emit: Emit;
  confirm: (plan: Plan, notes: string[]) => Promise<boolean>;
  /** Tests shorten the simulated world's waits further. */
  timings?: Partial<SessionTimings>;
}

/** A simulated world answers in milliseconds; waiting like for a real cloud would only slow the demo down. */
export const SIMULATED_TIMINGS: Partial<SessionTimings> = { readyTimeoutSeconds: 120, modelsTimeoutSeconds: 120, pollSeconds: 0.25, heartbeatMs: 1000, agentPollSeconds: 1, confirmSeconds: 30 };

export async function runSessionFromCli(o: CliSessionOptions): Promise<SessionReport> {
  const defaults = parseBatch(o.batchFile);
  let env = o.env;
  let closeWorld: (() => Promise<void>) | undefined;
  if (o.simulate) {
    const { startWorld } = await import('../sim/world');
    const world = await startWorld({ python: o.env.GPUBURST_PYTHON?.trim() || undefined });
    closeWorld = () => world.close();
    env = { ...withoutCloudSettings(o.env), ...world.env };
    o.emit({ type: 'log', level: 'info', message: `simulated clouds and ComfyUI running in this process (no account, no cost); agent logs in ${world.workDir}` });
  }
  try {
    return await runSession({
      batchFile: o.batchFile,
      provider: o.provider ?? defaults.provider ?? 'auto',
      gpu: o.gpu ?? defaults.gpu,
      pods: o.pods,
      maxCostUsd: o.maxCostUsd ?? defaults.budgetUsd,
      maxUsdPerHour: o.maxUsdPerHour ?? defaults.maxUsdPerHour,
      interruptible: o.interruptible || defaults.interruptible === true,
      model: o.model,
      outDir: o.outDir,
      teardown: o.teardown,
      idleMinutes: o.idleMinutes,
      heartbeatMinutes: o.heartbeatMinutes,
      remoteKey: o.remoteKey,
      comfyUrls: o.comfyUrls,
      simulated: o.simulate,
      stateDir: path.join(o.cwd, '.gpuburst'),
      cwd: o.cwd,
      env,
      timings: { ...(o.simulate ? SIMULATED_TIMINGS : {}), ...o.timings },
      signal: o.signal,
      emit: o.emit,
      confirm: (plan) => o.confirm(plan, keyNotes(plan, o.remoteKey, o.simulate)),
    });
  } finally {
    await closeWorld?.();
  }
}

/** Real keys and URLs must never reach a simulated session (and the reverse). */
function withoutCloudSettings(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const c of CLOUD_PROVIDERS) {
    delete out[PROVIDER_ENV[c].keyVar];
    for (const k of Object.keys(out)) if (k.startsWith(`GPUBURST_${c.toUpperCase()}_`)) delete out[k];
  }
  return out;
}

/** What the user must know before launch about keys on machines and what ends a machine if gpuburst dies. */
export function keyNotes(plan: Plan, remoteKey: boolean, simulate: boolean): string[] {
  const notes: string[] = [];
  if (simulate) notes.push('Simulated: no real machine is rented and nothing is billed.');
  const providers = [...new Set(plan.ranked.slice(0, 3).map((r) => r.offer.provider))];
  for (const p of providers) {
    if (p === 'runpod' || p === 'vast') notes.push(`${p}: the machine's watchdog uses the machine-scoped key ${p === 'runpod' ? 'RunPod' : 'Vast'} injects; your account key never leaves this computer.`);
    if (p === 'lambda' || p === 'paperspace') {
      notes.push(
        remoteKey
          ? `${p}: your ${PROVIDER_ENV[p].keyVar} is handed to the machine so its watchdog can terminate it if this computer goes away; anyone with a shell on that machine could use it (full account access). Pass --no-remote-key to refuse.`
          : `${p}: --no-remote-key: the machine cannot end itself; ${p === 'paperspace' ? "Paperspace's auto-shutdown stops it (storage still bills) and" : ''} only gpuburst (this run, resume, down or sweep) terminates it.`,
      );
    }
  }
  return notes;
}
