/**
 * `gpuburst resume <id>`: finish what a session left. Machines the journal knows are looked up: a stopped one is
 * started again, a live one reconnected; prompts that finished while nobody watched have their outputs pulled from
 * ComfyUI's history; what is left runs on those machines (or new ones), then everything is torn down as in `run`.
 */
import fs from 'fs';
import path from 'path';
import { BILLING } from '../../providers/billing';
import { BadInputError, GpuburstError } from '../../providers/errors';
import { Limiter, outputFiles, pullOutputs, type PulledFile } from '../comfy/outputs';
import { machineBilledSeconds, machineCostUsd } from './budget';
import type { Emit } from './events';
import { isLive, Journal, MachineRecord, PromptRecord, readSession, sessionsDir } from './journal';
import { LiveMachine, MachineLifecycle } from './lifecycle';
import { localOutputName } from './render';
import { inOtherWorld, notFound } from './manage';
import { keyNotes } from './notes';
import { makePlan, type Plan } from './plan';
import { ProviderPool } from './pool';
import type { SessionReport } from './report';
import { runJournaled } from './session';
import { findSession, registerSession } from './state-dir';
import { ownSession, stopRequested } from './lock';
import { SessionTimings, sessionTimings } from './timings';
import { formatUsdPair } from '../estimate/money';

export interface ResumeOptions {
  /** The session's state folder; absent: found from `cwd` and the user state dir (./state-dir). */
  stateDir?: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  id: string;
  signal?: AbortSignal;
  emit: Emit;
  timings?: Partial<SessionTimings>;
  /** Over the journaled request's: false leaves the machines up when everything succeeded (Pulumi `autoTeardown: false`). */
  teardownOnSuccess?: boolean;
  /** A new budget for the session (total spend, this resume included); journaled. */
  maxCostUsd?: number;
  /** Asked with the plan before anything is started or rented; false ends the resume. Absent: no question (Pulumi). */
  confirm?: (plan: Plan, notes: string[]) => Promise<boolean>;
}

export async function resumeSession(o: ResumeOptions): Promise<SessionReport> {
  const loc = o.stateDir ? { id: o.id, stateDir: o.stateDir, file: path.join(sessionsDir(o.stateDir), `${o.id}.json`) } : findSession(o.cwd, o.env, o.id);
  if (!loc || !fs.existsSync(loc.file)) throw notFound(o.id);
  const found = readSession(loc);
  if (found.damaged) throw new BadInputError(`session ${o.id}: its journal is damaged (${found.damaged.reason}); gpuburst status shows the machines it names, gpuburst down ${o.id} ends them`);
  if (inOtherWorld(found.journal!, o.env)) throw new BadInputError(`session ${o.id} ran against simulators (--simulate); it resumes only there, never on real providers: nothing was rented`);
  const owned = ownSession(loc.stateDir, o.id, { signal: o.signal, onStop: (by) => o.emit({ type: 'log', level: 'warn', message: stopRequested(by) }) });
  registerSession(o.env, o.id, loc.file); // a session journaled before the registry existed is found from anywhere after this
  try {
    return await resumeOwned({ ...o, signal: owned.signal }, loc.stateDir, Journal.open(loc.file));
  } finally {
    owned.release();
  }
}

async function resumeOwned(o: ResumeOptions, stateDir: string, journal: Journal): Promise<SessionReport> {
  if (isLive(journal.data) && journal.data.owner.pid !== process.pid) throw new BadInputError(`session ${o.id} is still running (process ${journal.data.owner.pid} on ${journal.data.owner.host})`);
  const request = { ...journal.data.request, teardownOnSuccess: o.teardownOnSuccess ?? journal.data.request.teardownOnSuccess, maxCostUsd: o.maxCostUsd ?? journal.data.request.maxCostUsd };
  const timings = sessionTimings({ env: o.env, simulated: request.simulated, overrides: o.timings });
  const pool = new ProviderPool(o.env, request.comfyUrls, (message) => o.emit({ type: 'log', level: 'info', message }));
  const prior = journal.data.machines.map(priorOf).reduce((a, b) => ({ usd: a.usd + b.usd, billedSeconds: a.billedSeconds + b.billedSeconds }), { usd: 0, billedSeconds: 0 });
  const spentSoFar = prior.usd;
  if (request.maxCostUsd !== undefined && request.maxCostUsd - spentSoFar <= 0) throw budgetSpent(o.id, request.maxCostUsd, spentSoFar);

  // The whole batch's estimate may exceed what is left of the budget although most of it is done: no refusal here,
  // the budget stops queueing instead.
  // Machines still standing may hold outputs: a market with no fitting offer now must not keep them from being pulled.
  const standing = journal.data.machines.some((m) => m.id && ['created', 'ready', 'stopped'].includes(m.state));
  const plan = await makePlan({ ...request, maxCostUsd: undefined, offersOptional: standing }, pool, o.env, o.cwd);
  // A machine started with less than a minute of work left in the budget would be stopped by its watchdog at once.
  if (request.maxCostUsd !== undefined && request.maxCostUsd - spentSoFar < minuteOfWorkUsd(plan, pool)) throw budgetSpent(o.id, request.maxCostUsd, spentSoFar);
  const left = journal.data.prompts.filter((p) => p.state !== 'done').length;
  // A prompt whose outputs were never pulled is pulled from its machine, or rendered again if that machine is gone.
  const toRender = journal.data.prompts.filter((p) => p.state !== 'done' && (p.state !== 'failed' || p.pullFailed)).length;
  const [spent, budget] = formatUsdPair(spentSoFar, request.maxCostUsd ?? 0);
  const pods = Math.min(request.pods, plan.pods, toRender);
  const notes = [`resuming session ${o.id}: ${left} of ${journal.data.prompts.length} prompt(s) not done${pods > 0 ? ` (on at most ${pods} machine(s))` : ''}; spent so far ${spent}${request.maxCostUsd !== undefined ? ` of a ${budget} budget` : ''}`, ...keyNotes(plan, pool, request), ...(plan.noOffer ? plan.notes : [])];
  if (o.confirm && !(await o.confirm(plan, notes))) throw new BadInputError('cancelled before anything was rented');
  if (o.signal?.aborted) throw new BadInputError('interrupted before anything was rented');
  journal.claim();
  if (o.maxCostUsd !== undefined) journal.now((d) => (d.request.maxCostUsd = o.maxCostUsd));
  // The same batch file expands to the same ids; prompts added since are simply new work.
  const known = new Set(journal.data.prompts.map((p) => p.id));
  journal.now((d) => d.prompts.push(...plan.prompts.filter((p) => !known.has(p.id)).map((p) => ({ id: p.id, workflow: p.workflow, state: 'pending' as const }))));

  const lifecycle = new MachineLifecycle({ journal, stateDir, pool, request, timings, plan, priorSpentUsd: spentSoFar, signal: o.signal, emit: o.emit });
  await findIntended(journal, pool);
  const existing: LiveMachine[] = [];
  try {
    for (const rec of journal.data.machines.filter((m) => m.id && ['created', 'ready', 'stopped'].includes(m.state))) {
      const m = await lifecycle.reconnect(rec);
      if (m) existing.push(m);
    }
    for (const m of existing) await adoptFinished(journal, m);
    if (plan.noOffer && existing.length === 0) throw new BadInputError(plan.noOffer);
  } catch (err) {
    // Interrupted or failed before the run could take over: end the machines as a failed run would, keeping any
    // machine that may hold finished outputs (prompts it was running when the last client died).
    await Promise.all(existing.map((m) => m.channel?.stop()));
    const mayHold = (name: string) => journal.data.prompts.filter((p) => p.machine === name && (p.pullFailed || ((p.state === 'queued' || p.state === 'running') && p.comfyPromptId))).length;
    await lifecycle.teardown(request.teardown, mayHold);
    journal.now((d) => Object.assign(d, { status: 'failed', message: `resume failed: ${(err as Error).message}` }));
    throw err;
  }
  // Whatever was in flight on a machine that is gone runs again; so does a prompt that rendered there but was never
  // pulled: its outputs went with the machine (its watchdog ended it, the host reclaimed it, someone deleted it).
  const gone = (p: PromptRecord) => !existing.some((m) => m.record.name === p.machine);
  const lost = journal.data.prompts.filter((p) => p.state === 'failed' && p.pullFailed && gone(p));
  if (lost.length) o.emit({ type: 'log', level: 'warn', message: `${lost.length} prompt(s) rendered on a machine that no longer exists and were never pulled: rendering them again` });
  journal.now((d) => {
    d.prompts.filter((p) => (p.state === 'queued' || p.state === 'running') && gone(p)).forEach((p) => Object.assign(p, { state: 'pending', machine: undefined }));
    lost.forEach(renderAgain);
  });

  return runJournaled({ lifecycle, request, timings, cwd: o.cwd, signal: o.signal, emit: o.emit, prior }, plan, journal, existing);
}

/** A create the last client sent but never heard back from (it was killed): the machine may exist under its name. */
async function findIntended(journal: Journal, pool: ProviderPool): Promise<void> {
  for (const rec of journal.data.machines.filter((m) => !m.id && m.state === 'intended')) {
    const found = (await pool.get(rec.provider).listMachines({ name: rec.name })).find((x) => x.name === rec.name && x.status !== 'terminated');
    if (found) journal.now(() => Object.assign(rec, { id: found.id, state: 'created', createdAt: found.createdAt ?? new Date().toISOString() }));
  }
}

/** Prompts that finished on this machine while nobody was pulling: their outputs are still in ComfyUI's history. */
async function adoptFinished(journal: Journal, m: LiveMachine): Promise<void> {
  const limiter = new Limiter(4);
  for (const p of journal.data.prompts.filter((x) => x.machine === m.record.name && x.comfyPromptId && (x.state !== 'done' || x.pullFailed))) {
    const entry = await m.client.history(p.comfyPromptId!).catch(() => undefined);
    // A restarted ComfyUI (a stopped machine started again) has no history; the files a failed pull named are on disk.
    const remote = entry?.status?.status_str === 'success' ? outputFiles(entry) : p.pullFailed ? p.remote : undefined;
    if (!remote?.length) continue;
    const sessionDir = journal.data.outDir;
    let files: PulledFile[];
    try {
      files = await pullOutputs(p.id, remote, { client: m.client, outputDir: path.join(sessionDir, p.workflow), limiter, localName: localOutputName });
    } catch (err) {
      // The machine came back without the files (404): render it again rather than keep the machine for it.
      if (p.pullFailed && (err as GpuburstError).code === 'ERR_NOT_FOUND') journal.now(() => renderAgain(p));
      continue;
    }
    journal.now(() => Object.assign(p, { state: 'done', pullFailed: undefined, remote: undefined, error: undefined, files: files.map((f) => ({ path: path.relative(sessionDir, f.path), bytes: f.bytes })) }));
  }
}

/** Back to the queue: its outputs are nowhere to pull from. */
function renderAgain(p: PromptRecord): void {
  Object.assign(p, { state: 'pending', machine: undefined, comfyPromptId: undefined, pullFailed: undefined, remote: undefined, error: undefined, files: undefined });
}

function budgetSpent(id: string, budgetUsd: number, spentUsd: number): BadInputError {
  const [budget, spent] = formatUsdPair(budgetUsd, spentUsd);
  return new BadInputError(`session ${id}: its budget of ${budget} is spent (${spent} so far); pass --max-cost <more than ${spent}> to go on (nothing was rented)`);
}

/** A minute of rendering on the cheapest offer, with one billing increment and the teardown reserve the budget keeps. */
function minuteOfWorkUsd(plan: Plan, pool: ProviderPool): number {
  const offer = plan.ranked[0]?.offer;
  if (!offer) return 0;
  let incrementSeconds = 1;
  try {
    incrementSeconds = Math.max(1, pool.get(offer.provider).capabilities().billing.incrementSeconds);
  } catch {
    // no key for it: per-second billing, the common rule
  }
  return (offer.usdPerHour * (60 + incrementSeconds + 10)) / 3600;
}

/** What a machine billed in earlier runs, by its provider's billing rule: the figures that run's budget and report used. */
function priorOf(m: MachineRecord): { usd: number; billedSeconds: number } {
  if (!m.createdAt) return { usd: 0, billedSeconds: 0 };
  const end = m.endedAt ? Date.parse(m.endedAt) : Date.now();
  const { incrementSeconds, minimumSeconds } = BILLING[m.provider];
  const billed = { name: m.name, usdPerHour: m.usdPerHour, startMs: Date.parse(m.createdAt), endMs: end, incrementSeconds, minimumSeconds };
  return { usd: machineCostUsd(billed, end), billedSeconds: machineBilledSeconds(billed, end) };
}
