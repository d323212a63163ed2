/**
 * One render session, start to finish: plan (nothing spent), confirm, provision, render, and tear down — always,
 * in `finally`, whatever happened before. The CLI and the Pulumi resources both come through here.
 */
import fs from 'fs';
import path from 'path';
import { BadInputError, CapacityError } from '../../providers/errors';
import type { Offer } from '../../providers/types';
import { MODEL_FREE } from '../estimate/profiles';
import { Emit, LEAVE_EVENT } from './events';
import { newSessionId } from './ids';
import { Journal } from './journal';
import { LiveMachine, MachineLifecycle } from './lifecycle';
import { validateOnMachines } from './lifecycle/validate';
import { ownSession, stopRequested } from './lock';
import { keyNotes } from './notes';
import { checkOutputFolder, makePlan, Plan } from './plan';
import { ProviderPool } from './pool';
import { renderAll, RenderResult } from './render';
import { buildReport, SessionReport } from './report';
import { parseSessionRequest, requestFields, SessionRequest } from './request';
import type { TeardownOutcome } from './teardown';
import { templateFor } from './templates';
import { registerSession } from './state-dir';
import { SessionTimings, sessionTimings } from './timings';

/** Everything about a run that is not the request: where state lives, the environment, how it talks back. */
interface SessionRuntime {
  stateDir: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Asked once the estimate is known, with what the user must know about keys on machines; false ends the session before anything is rented. */
  confirm: (plan: Plan, notes: string[]) => Promise<boolean>;
  /** Over the merged timings (./timings `sessionTimings`): tests and stack config shorten waits. */
  timings?: Partial<SessionTimings>;
  signal?: AbortSignal;
  emit: Emit;
}

/** A request's fields (checked and defaulted by the one schema, ./request) next to the runtime. */
type SessionRequestInput = Pick<SessionRequest, 'batchFile'> & Partial<SessionRequest>;
export type RunSessionOptions = SessionRequestInput & SessionRuntime;

export async function runSession(o: RunSessionOptions): Promise<SessionReport> {
  const request = parseSessionRequest(requestFields(o));
  const timings = sessionTimings({ env: o.env, simulated: request.simulated, overrides: o.timings });
  const emit = o.emit;
  const pool = new ProviderPool(o.env, request.comfyUrls, (message) => emit({ type: 'log', level: 'info', message }));
  const plan = await makePlan({ ...request, signal: o.signal }, pool, o.env, o.cwd);
  const outRoot = request.outDir ?? plan.batch.outputDir;
  checkOutputFolder(outRoot);
  const realRoot = realFolder(outRoot);
  // A symlinked output folder is followed, not refused (a big disk mounted elsewhere is common); the plan says where.
  const outNotes = realRoot !== path.resolve(outRoot) ? [`The output folder ${outRoot} is a link: images go to ${realRoot}.`] : [];
  if (!(await o.confirm(plan, [...plan.notes, ...outNotes, ...keyNotes(plan, pool, request)]))) throw new BadInputError('cancelled before anything was rented');
  if (o.signal?.aborted) throw new BadInputError('interrupted before anything was rented');

  const journal = openJournal({ ...request, outDir: realRoot }, plan, o.stateDir);
  registerSession(o.env, journal.data.id, journal.file);
  // This process owns the session (./lock); `down` from elsewhere aborts `owned.signal`.
  const owned = ownSession(o.stateDir, journal.data.id, { signal: o.signal, onStop: (by) => emit({ type: 'log', level: 'warn', message: stopRequested(by) }) });
  emit({ type: 'session', id: journal.data.id, status: 'planning', message: `session ${journal.data.id}: ${plan.prompts.length} prompts → ${journal.data.outDir}` });
  const lifecycle = new MachineLifecycle({ journal, stateDir: o.stateDir, pool, request, timings, plan, signal: owned.signal, emit });
  return runJournaled({ lifecycle, request, timings, cwd: o.cwd, signal: owned.signal, emit }, plan, journal).finally(owned.release);
}

/** A new session's journal: its request, estimate and every prompt, before anything is rented. */
export function openJournal(request: SessionRequest, plan: Plan, stateDir: string): Journal {
  const id = newSessionId();
  const first = plan.ranked[0].row;
  return Journal.create(stateDir, {
    id,
    status: 'planning',
    // The profile the plan used, so a resume estimates the same way (model-free is read from the batch again).
    request: { ...request, model: request.model ?? (plan.shape.model === MODEL_FREE.name ? undefined : plan.shape.model) },
    outDir: path.resolve(request.outDir ?? plan.batch.outputDir, id),
    estimate: { costUsd: plan.estimateUsd, totalSeconds: plan.estimateSeconds, secondsPerImage: first.secondsPerImage, gpu: first.gpu, provider: first.provider },
    machines: [],
    prompts: plan.prompts.map((p) => ({ id: p.id, workflow: p.workflow, state: 'pending' })),
  });
}

export interface JournaledRun {
  lifecycle: MachineLifecycle;
  request: SessionRequest;
  timings: SessionTimings;
  cwd: string;
  signal?: AbortSignal;
  emit: Emit;
  /** What earlier runs of this session billed (resume): the report's cost and billed time are the session's. */
  prior?: { usd: number; billedSeconds: number };
}

/** Provision, render, tear down for a journaled session (also how `resume` continues one). */
export async function runJournaled(r: JournaledRun, plan: Plan, journal: Journal, existing: LiveMachine[] = []): Promise<SessionReport> {
  const startedMs = Date.now();
  const { lifecycle, request } = r;
  const machines: LiveMachine[] = [...existing];
  let render: RenderResult | undefined;
  let failure: unknown;
  let teardownOutcomes: TeardownOutcome[] = [];
  const emitStatus = (status: typeof journal.data.status, message?: string) => {
    journal.now((d) => Object.assign(d, { status, message }));
    r.emit({ type: 'session', id: journal.data.id, status, message });
  };
  const onLeave = () => recordLeaving(journal, r.emit);
  r.signal?.addEventListener(LEAVE_EVENT, onLeave);
  const work = async () => {
    emitStatus('provisioning');
    const toRender = journal.data.prompts.filter((p) => p.state !== 'done' && p.state !== 'failed').length;
    const unfinished = toRender > 0;
    // Pods capped by the prompts still to render, not the whole batch's (a resume of 2 prompts rents at most 2).
    const wanted = Math.max(0, Math.min(request.pods, plan.pods, toRender) - machines.length);
    const first = journal.data.machines.length;
    const settled = await Promise.allSettled(Array.from({ length: wanted }, (_, i) => lifecycle.provision(first + i, candidatesFor(plan, i)).then((m) => void machines.push(m))));
    lifecycle.billOpen();
    const failed = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected').map((s) => s.reason as unknown);
    if (machines.length === 0 && unfinished) throw failed[0] ?? new CapacityError('no machine could be provisioned');
    if (failed.length) r.emit({ type: 'log', level: 'warn', message: `${failed.length} of ${wanted} machines could not be provisioned (${(failed[0] as Error).message}); going on with ${machines.length}` });
    if (r.signal?.aborted) return;
    // Nothing is queued while any machine's own ComfyUI refuses a prompt of the batch; `finally` ends them at once.
    await validateOnMachines(machines, plan, r.emit);

    emitStatus('rendering');
    // A resume with no fitting offer left ranks nothing: the journal's estimate still has the per-image figure.
    const secondsPerImage = plan.ranked[0]?.row.secondsPerImage ?? journal.data.estimate?.secondsPerImage ?? 0;
    const perImageUsd = (secondsPerImage * machines.reduce((s, m) => s + m.record.usdPerHour, 0)) / 3600 / machines.length;
    render = await renderAll({
      journal,
      machines,
      prompts: plan.prompts,
      sessionDir: journal.data.outDir,
      budget: lifecycle.budget,
      signal: r.signal,
      emit: r.emit,
      stallSeconds: r.timings.stallSeconds,
      projectUsd: (remaining) => remaining * perImageUsd,
      onPace: (seconds) => lifecycle.pace(seconds),
    });
    await lifecycle.finishBatch(machines);
  };
  try {
    await work();
  } catch (err) {
    failure = err;
  } finally {
    await Promise.all(machines.map((m) => m.channel?.stop()));
    const keep = !request.teardownOnSuccess && !failure && !r.signal?.aborted;
    if (!keep) emitStatus('tearing-down');
    const unpulled = (name: string) => journal.data.prompts.filter((p) => p.machine === name && p.pullFailed).length;
    if (!keep) teardownOutcomes = await lifecycle.teardown(request.teardown, unpulled);
  }
  r.signal?.removeEventListener(LEAVE_EVENT, onLeave);
  const report = buildReport({ journal, plan, render, budget: lifecycle.budget, prior: r.prior, startedMs, teardown: teardownOutcomes, failure, interrupted: Boolean(r.signal?.aborted), cwd: r.cwd });
  journal.now((d) => Object.assign(d, { status: report.status, report, message: report.message }));
  r.emit({ type: 'session', id: journal.data.id, status: report.status });
  if (failure) throw attachReport(failure, report);
  return report;
}

/**
 * Offers for pod `i`, best first. A local server takes one pod only, so pod i starts at the i-th server; a cloud
 * offer can place several machines, so every pod starts at the cheapest.
 */
function candidatesFor(plan: Plan, i: number): Offer[] {
  const offers = plan.ranked.map((r) => r.offer);
  if (!offers[0] || templateFor(offers[0].provider)) return offers;
  const k = i % offers.length;
  return [...offers.slice(k), ...offers.slice(0, k)];
}

/** The folder with every symlink in its existing part resolved (the rest is created later, below it). */
function realFolder(dir: string): string {
  let existing = path.resolve(dir);
  const rest: string[] = [];
  while (!fs.existsSync(existing) && path.dirname(existing) !== existing) {
    rest.unshift(path.basename(existing));
    existing = path.dirname(existing);
  }
  return path.join(fs.realpathSync(existing), ...rest);
}

/** A second signal: the process exits now, so the journal says what may still bill and how to end it. */
function recordLeaving(journal: Journal, emit: Emit): void {
  const up = journal.data.machines.filter((m) => m.state === 'intended' || m.state === 'created' || m.state === 'ready' || m.state === 'stopped');
  const names = up.map((m) => `${m.provider} ${m.name}${m.id ? ` (${m.id})` : ''}`).join(', ');
  const message = up.length
    ? `left before teardown finished; may still bill: ${names}; end them with: gpuburst down ${journal.data.id}`
    : `left before teardown finished; no machine was up`;
  journal.now((d) => Object.assign(d, { status: 'interrupted', message }));
  emit({ type: 'log', level: 'warn', message });
}

/** The caller still gets the report (what was pulled, what it cost) when the session failed. */
function attachReport(err: unknown, report: SessionReport): unknown {
  if (err && typeof err === 'object') (err as { report?: SessionReport }).report = report;
  return err;
}
