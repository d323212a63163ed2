/**
 * A session cut into the steps a Pulumi stack runs as resources — estimate (preview), provision one machine,
 * render on it, terminate it, read it — each made of the same session code as `gpuburst run`, journaled in the same
 * `.gpuburst/sessions/`, so `status`, `resume`, `down` and `sweep` see stack sessions too. Inputs and outputs are
 * plain data (no keys: those come from the environment inside each step).
 */
import path from 'path';
import { GpuburstError } from '../../providers/errors';
import type { ProviderName } from '../../providers/types';
import type { Emit } from './events';
import { Journal } from './journal';
import { ownSession, takeOverSession } from './lock';
import { MachineLifecycle } from './lifecycle';
import { makePlan } from './plan';
import { ProviderPool } from './pool';
import { parseSessionRequest, RawRequest, SessionRequest } from './request';
import { resumeSession } from './resume';
import { openJournal } from './session';
import { registerSession } from './state-dir';
import { SessionTimings, sessionTimings } from './timings';

export interface StepBase {
  /** Working directory: `.gpuburst/` (journals, machine-token secret) lives below it. */
  cwd: string;
  env: NodeJS.ProcessEnv;
  timings?: Partial<SessionTimings>;
  emit?: Emit;
}

export interface SessionStepInput extends StepBase {
  /** The session request as built by the stack (it travels through Pulumi state, so it is checked again here). */
  request: RawRequest;
}

export interface EstimateStepOutput {
  prompts: number;
  provider: string;
  gpu: string;
  usdPerHour: number;
  estimateUsd: number;
  estimateSeconds: number;
  usdPerImage: number;
}

export interface MachineStepOutput {
  sessionId: string;
  name: string;
  provider: ProviderName;
  machineId: string;
  gpu: string;
  usdPerHour: number;
  endpoint: string;
  /** Minutes without a heartbeat after which the machine ends itself; undefined when it cannot. */
  watchdogMinutes?: number;
  estimateUsd: number;
}

export interface RenderStepOutput {
  sessionId: string;
  images: number;
  outDir: string;
  billedSeconds: number;
  costUsd: number;
  tornDown: boolean;
  status: string;
  /** Failed prompts and prompts never run: a render can end `done` with some of them failed. */
  failedPrompts: number;
  notStartedPrompts: number;
}

const stateDir = (cwd: string) => path.join(cwd, '.gpuburst');
const quiet: Emit = () => undefined;

/** What `pulumi preview` shows: the plan's estimate, nothing rented. */
export async function estimateStep(i: SessionStepInput): Promise<EstimateStepOutput> {
  const request = parseSessionRequest(i.request);
  const plan = await makePlan(request, new ProviderPool(i.env, request.comfyUrls), i.env, i.cwd);
  const { offer, row } = plan.ranked[0];
  return { prompts: plan.prompts.length, provider: offer.provider, gpu: offer.gpu, usdPerHour: offer.usdPerHour, estimateUsd: plan.estimateUsd, estimateSeconds: plan.estimateSeconds, usdPerImage: row.usdPerImage };
}

/**
 * Plan, journal, and get one machine ready. A failure after the machine exists tears it down at once and rethrows
 * with the machine id, so the caller (Pulumi) can keep the id in state.
 */
export async function provisionStep(i: SessionStepInput): Promise<MachineStepOutput> {
  const request = parseSessionRequest(i.request);
  const timings = sessionTimings({ env: i.env, simulated: request.simulated, overrides: i.timings });
  const pool = new ProviderPool(i.env, request.comfyUrls);
  const plan = await makePlan(request, pool, i.env, i.cwd);
  const journal = openJournal(request, plan, stateDir(i.cwd));
  registerSession(i.env, journal.data.id, journal.file); // status/down from any folder see stack sessions too
  journal.now((d) => (d.status = 'provisioning'));
  // One owner at a time, as for run and resume: a CLI resume is refused meanwhile, and `down` stops this step.
  const owned = ownSession(stateDir(i.cwd), journal.data.id);
  const lifecycle = new MachineLifecycle({ journal, stateDir: stateDir(i.cwd), pool, request, timings, plan, signal: owned.signal, emit: i.emit ?? quiet });
  try {
    const m = await lifecycle.provision(0, plan.ranked.map((r) => r.offer));
    await m.channel?.stop();
    journal.now((d) => (d.status = 'rendering'));
    return {
      sessionId: journal.data.id,
      name: m.record.name,
      provider: m.record.provider,
      machineId: m.record.id!,
      gpu: m.record.gpu,
      usdPerHour: m.record.usdPerHour,
      endpoint: m.machine.endpoint!,
      watchdogMinutes: m.record.watchdog.heartbeatMinutes,
      estimateUsd: plan.estimateUsd,
    };
  } catch (err) {
    const machineId = journal.data.machines.find((m) => m.id)?.id;
    await lifecycle.teardown('terminate', () => 0);
    journal.now((d) => Object.assign(d, { status: 'failed', message: (err as Error).message }));
    if (err instanceof GpuburstError && !err.machineId && machineId) (err as { machineId?: string }).machineId = machineId;
    // A stack keeps such a machine in state: its cloud (the request may say 'auto') and session go with the id.
    if (machineId && err && typeof err === 'object') Object.assign(err, { machineProvider: journal.data.machines.find((m) => m.id)!.provider, sessionId: journal.data.id });
    throw err;
  } finally {
    owned.release();
  }
}

/** Run the batch on the session's machine, pull everything, and (unless told otherwise) tear the machine down. */
export async function renderStep(i: StepBase & { sessionId: string; autoTeardown: boolean }): Promise<RenderStepOutput> {
  const report = await resumeSession({ stateDir: stateDir(i.cwd), cwd: i.cwd, env: i.env, id: i.sessionId, emit: i.emit ?? quiet, timings: i.timings, teardownOnSuccess: i.autoTeardown });
  const j = Journal.load(stateDir(i.cwd), i.sessionId)!.data;
  return {
    sessionId: i.sessionId,
    images: report.images,
    outDir: report.outDir,
    billedSeconds: report.billedSeconds,
    costUsd: report.costUsd,
    tornDown: j.machines.every((m) => m.state === 'terminated' || m.state === 'not-created'),
    status: report.status,
    failedPrompts: report.prompts.failed,
    notStartedPrompts: report.prompts.notStarted + report.prompts.interrupted,
  };
}

/**
 * End a machine (idempotent), recording it in its session's journal when that journal is here. A process that owns
 * the session (a CLI `resume` of it) is asked to stop first and given `ownerWaitSeconds` to end its machines itself,
 * pulling what they made; the machine is ended here in any case.
 */
export async function terminateStep(i: StepBase & { provider: ProviderName; machineId: string; sessionId?: string; ownerWaitSeconds?: number }): Promise<void> {
  const known = i.sessionId ? Journal.load(stateDir(i.cwd), i.sessionId) : undefined;
  if (i.sessionId && known?.data.machines.some((m) => m.id === i.machineId)) {
    const lock = await takeOverSession(stateDir(i.cwd), i.sessionId, { waitMs: (i.ownerWaitSeconds ?? 120) * 1000, by: `pulumi destroy (process ${process.pid})` });
    try {
      const journal = Journal.load(stateDir(i.cwd), i.sessionId) ?? known; // as the owner left it
      const request = journal.data.request;
      const timings = sessionTimings({ env: i.env, simulated: request.simulated, overrides: i.timings });
      const lifecycle = new MachineLifecycle({ journal, stateDir: stateDir(i.cwd), pool: new ProviderPool(i.env, request.comfyUrls), request, timings, emit: i.emit });
      await lifecycle.teardown('terminate', () => 0);
    } finally {
      lock?.release();
    }
    return;
  }
  await new ProviderPool(i.env).get(i.provider).terminateMachine({ id: i.machineId });
}

/** The machine as its provider sees it now; undefined when it is gone (Pulumi refresh drops it). */
export async function readStep(i: StepBase & { provider: ProviderName; machineId: string }): Promise<{ status: string; usdPerHour?: number } | undefined> {
  const m = await new ProviderPool(i.env).get(i.provider).getMachine({ id: i.machineId });
  return m.status === 'terminated' ? undefined : { status: m.status, usdPerHour: m.usdPerHour };
}

/** Two requests ask for the same machine once both are checked and defaulted (an older state may lack new fields). */
export function sameRequest(a: unknown, b: unknown): boolean {
  const norm = (r: unknown): SessionRequest | undefined => {
    try {
      return parseSessionRequest(r as RawRequest);
    } catch {
      return undefined;
    }
  };
  const [x, y] = [norm(a), norm(b)];
  return x !== undefined && y !== undefined && JSON.stringify(x, Object.keys(x).sort()) === JSON.stringify(y, Object.keys(y).sort());
}
