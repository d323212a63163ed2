/**
 * One render session, start to finish: plan (nothing spent), confirm, provision, render, and tear down — always,
 * in `finally`, whatever happened before. The CLI and the Pulumi resources both come through here.
 */
import path from 'path';
import { BadInputError, CapacityError } from '../../providers/errors';
import type { Offer } from '../../providers/types';
import type { AgentSettings } from './agent/config';
import { BudgetTracker } from './budget';
import type { Emit } from './events';
import { newSessionId } from './ids';
import { Journal } from './journal';
import { checkOutputFolder, makePlan, Plan, PlanOptions } from './plan';
import { ProviderPool } from './pool';
import { provisionOne, ProvisionedMachine } from './provision';
import { renderAll, RenderResult } from './render';
import { buildReport, SessionReport } from './report';
import { teardown, TeardownOutcome } from './teardown';
import { DEFAULT_TIMINGS, maxLifetimeMinutes, SessionTimings, timingsFromEnv, watchdogCadence } from './timings';

export interface RunSessionOptions extends PlanOptions {
  /** Root output folder; the session's files go to `<outDir>/<session>/<workflow>/`. Default: the batch file's. */
  outDir?: string;
  teardown: 'terminate' | 'stop';
  idleMinutes: number;
  heartbeatMinutes: number;
  /** Hand account keys to Lambda/Paperspace machines so their watchdog can terminate them. */
  remoteKey: boolean;
  /** Against simulators: nothing is measured for calibration. */
  simulated?: boolean;
  /** false: a session that succeeded leaves its machines up (Pulumi's `autoTeardown: false`); failures still tear down. */
  teardownOnSuccess?: boolean;
  comfyUrls: string[];
  stateDir: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Asked once the estimate is known; false ends the session before anything is rented. */
  confirm: (plan: Plan) => Promise<boolean>;
  timings?: Partial<SessionTimings>;
  signal?: AbortSignal;
  emit: Emit;
}

export async function runSession(o: RunSessionOptions): Promise<SessionReport> {
  const timings = { ...DEFAULT_TIMINGS, ...timingsFromEnv(o.env), ...o.timings };
  const log = (message: string) => o.emit({ type: 'log', level: 'info', message });
  const pool = new ProviderPool(o.env, o.comfyUrls, log);
  const plan = await makePlan(o, pool, o.env, o.cwd);
  checkOutputFolder(o.outDir ?? plan.batch.outputDir);
  if (!(await o.confirm(plan))) throw new BadInputError('cancelled before anything was rented');
  if (o.signal?.aborted) throw new BadInputError('interrupted before anything was rented');

  const journal = openJournal(o, plan);
  o.emit({ type: 'session', id: journal.data.id, status: 'planning', message: `session ${journal.data.id}: ${plan.prompts.length} prompts → ${journal.data.outDir}` });
  return runJournaled({ ...o, timings }, plan, journal, pool);
}

/** A new session's journal: its options, estimate and every prompt, before anything is rented. */
export function openJournal(o: Omit<RunSessionOptions, 'confirm' | 'emit'>, plan: Plan): Journal {
  const id = newSessionId();
  const first = plan.ranked[0].row;
  return Journal.create(o.stateDir, {
    id,
    status: 'planning',
    batchFile: path.resolve(o.batchFile),
    outDir: path.resolve(o.outDir ?? plan.batch.outputDir, id),
    options: { provider: o.provider, gpu: o.gpu, pods: o.pods, teardown: o.teardown, idleMinutes: o.idleMinutes, heartbeatMinutes: o.heartbeatMinutes, remoteKey: o.remoteKey, model: plan.shape.model, comfyUrls: o.comfyUrls, simulated: o.simulated === true },
    budgetUsd: o.maxCostUsd,
    estimate: { costUsd: plan.estimateUsd, totalSeconds: plan.estimateSeconds, secondsPerImage: first.secondsPerImage, gpu: first.gpu, provider: first.provider },
    machines: [],
    prompts: plan.prompts.map((p) => ({ id: p.id, workflow: p.workflow, state: 'pending' })),
  });
}

/** Provision, render, tear down for a journaled session (also how `resume` continues one). */
export async function runJournaled(o: RunSessionOptions & { timings: SessionTimings }, plan: Plan, journal: Journal, pool: ProviderPool, existing: ProvisionedMachine[] = []): Promise<SessionReport> {
  const startedMs = Date.now();
  const budget = new BudgetTracker(o.maxCostUsd);
  const machines: ProvisionedMachine[] = [...existing];
  const billing = (name: string, provider: ProvisionedMachine['provider'], usdPerHour: number, startMs: number) => {
    const caps = provider.capabilities().billing;
    budget.start({ name, usdPerHour, startMs, incrementSeconds: caps.incrementSeconds, minimumSeconds: caps.minimumSeconds });
  };
  // Machines carried over from before (resume) bill from now on as far as this run's budget is concerned.
  for (const m of existing) billing(m.record.name, m.provider, m.record.usdPerHour, startedMs);
  let render: RenderResult | undefined;
  let failure: unknown;
  let teardownOutcomes: TeardownOutcome[] = [];
  const emitStatus = (status: typeof journal.data.status, message?: string) => {
    journal.now((d) => Object.assign(d, { status, message }));
    o.emit({ type: 'session', id: journal.data.id, status, message });
  };
  const cadence = watchdogCadence(o.timings, o.heartbeatMinutes);
  const work = async () => {
    emitStatus('provisioning');
    const agent = (offerUsdPerHour: number): AgentSettings => ({
      heartbeatMinutes: o.heartbeatMinutes,
      idleMinutes: o.idleMinutes,
      maxLifetimeMinutes: maxLifetimeMinutes(plan.estimateSeconds),
      usdPerHour: offerUsdPerHour,
      budgetUsd: o.maxCostUsd,
      billedBeforeStartSeconds: 0,
      pollSeconds: cadence.agentPollSeconds,
      models: plan.models,
    });
    const unfinished = journal.data.prompts.some((p) => p.state !== 'done' && p.state !== 'failed');
    const wanted = unfinished ? Math.max(0, o.pods - machines.length) : 0;
    const settled = await Promise.allSettled(
      Array.from({ length: wanted }, (_, i) =>
        provisionOne(
          {
            journal,
            stateDir: o.stateDir,
            pool,
            agent: (offer) => agent(offer.usdPerHour),
            remoteKey: o.remoteKey,
            readyTimeoutSeconds: o.timings.readyTimeoutSeconds,
            modelsTimeoutSeconds: o.timings.modelsTimeoutSeconds,
            pollSeconds: o.timings.pollSeconds,
            heartbeatMs: cadence.heartbeatMs,
            heartbeat: () => ({ spentUsd: budget.spentUsd(), budgetUsd: o.maxCostUsd }),
            signal: o.signal,
            emit: o.emit,
          },
          journal.data.machines.length + i,
          candidatesFor(plan, i),
        ).then((m) => {
          machines.push(m);
          billing(m.record.name, m.provider, m.record.usdPerHour, Date.parse(m.record.createdAt!));
          return m;
        }),
      ),
    );
    // Machines created but never ready still bill until teardown: count them too.
    for (const rec of journal.data.machines) {
      if (rec.createdAt && !rec.endedAt && !machines.some((m) => m.record === rec)) billing(rec.name, pool.get(rec.provider), rec.usdPerHour, Date.parse(rec.createdAt));
    }
    const failed = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected').map((s) => s.reason as unknown);
    if (machines.length === 0 && unfinished) throw failed[0] ?? new CapacityError('no machine could be provisioned');
    if (failed.length) o.emit({ type: 'log', level: 'warn', message: `${failed.length} of ${wanted} machines could not be provisioned (${(failed[0] as Error).message}); going on with ${machines.length}` });
    if (o.signal?.aborted) return;

    emitStatus('rendering');
    const perImageUsd = (plan.ranked[0].row.secondsPerImage * machines.reduce((s, m) => s + m.record.usdPerHour, 0)) / 3600 / machines.length;
    render = await renderAll({
      journal,
      machines,
      prompts: plan.prompts,
      sessionDir: journal.data.outDir,
      budget,
      signal: o.signal,
      emit: o.emit,
      projectUsd: (remaining) => remaining * perImageUsd,
    });
    await Promise.all(machines.map((m) => m.channel?.beat({ batchDone: true })));
  };
  try {
    await work();
  } catch (err) {
    failure = err;
  } finally {
    await Promise.all(machines.map((m) => m.channel?.stop()));
    const keep = o.teardownOnSuccess === false && !failure && !o.signal?.aborted;
    if (!keep) emitStatus('tearing-down');
    const unpulled = (name: string) => journal.data.prompts.filter((p) => p.machine === name && p.pullFailed).length;
    if (!keep) teardownOutcomes = await teardown({ journal, pool, policy: o.teardown, unpulled, emit: o.emit, pollMs: o.timings.pollSeconds * 1000, confirmSeconds: o.timings.confirmSeconds });
    for (const rec of journal.data.machines) if (rec.endedAt) budget.end(rec.name, Date.parse(rec.endedAt));
  }
  const report = buildReport({ journal, plan, render, budget, startedMs, teardown: teardownOutcomes, failure, interrupted: Boolean(o.signal?.aborted), cwd: o.cwd });
  journal.now((d) => Object.assign(d, { status: report.status, report, message: report.message }));
  o.emit({ type: 'session', id: journal.data.id, status: report.status });
  if (failure) throw attachReport(failure, report);
  return report;
}

/**
 * Offers for pod `i`, best first. A local server takes one pod only, so pod i starts at the i-th server; a cloud
 * offer can place several machines, so every pod starts at the cheapest.
 */
function candidatesFor(plan: Plan, i: number): Offer[] {
  const offers = plan.ranked.map((r) => r.offer);
  if (offers[0]?.provider !== 'local') return offers;
  const k = i % offers.length;
  return [...offers.slice(k), ...offers.slice(0, k)];
}

/** The caller still gets the report (what was pulled, what it cost) when the session failed. */
function attachReport(err: unknown, report: SessionReport): unknown {
  if (err && typeof err === 'object') (err as { report?: SessionReport }).report = report;
  return err;
}
