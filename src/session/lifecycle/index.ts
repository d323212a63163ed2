/**
 * `MachineLifecycle`: the session's one owner of its machines' lives, used by `run`, `resume`, `down` and the Pulumi
 * steps alike. It creates a machine from ranked offers (journaled before the create, next offer on a capacity
 * error), reconnects to one a journal knows (stopped → started, running → waited for, gone → marked ended), keeps
 * the one heartbeat going, counts what every machine bills, and tears them down only as far as is safe.
 */
import { CapacityError, GpuburstError } from '../../../providers/errors';
import type { CloudProviderName, Offer, Provider } from '../../../providers/types';
import type { AgentSettings } from '../agent/config';
import { BudgetTracker } from '../budget';
import type { HeartbeatPayload } from '../channel';
import type { Emit } from '../events';
import { ensureCache } from '../cache';
import { accessToken, machineName } from '../ids';
import type { Journal, MachineRecord } from '../journal';
import type { ProviderPool } from '../pool';
import type { SessionRequest } from '../request';
import { teardown, TeardownOutcome } from '../teardown';
import { templateFor } from '../templates';
import { maxLifetimeMinutes, SessionTimings, watchdogCadence } from '../timings';
import { connect, Connected } from './connect';
import { createJournaled, endQuietly, intendedRecord } from './create';
import { agentSettings, machineSetup, MachinePlan } from './setup';

export type { MachinePlan } from './setup';

export interface LifecycleOptions {
  journal: Journal;
  stateDir: string;
  pool: ProviderPool;
  /** The session's request as journaled: its budget is the whole session's. */
  request: SessionRequest;
  timings: SessionTimings;
  /** What new and reconnected machines are set up for; `down`, which only ends machines, has none. */
  plan?: MachinePlan;
  /** What earlier runs of this session spent (resume): counted against the request's budget. */
  priorSpentUsd?: number;
  signal?: AbortSignal;
  emit?: Emit;
}

export interface LiveMachine extends Connected {
  record: MachineRecord;
  provider: Provider;
}

const quiet: Emit = () => undefined;

export class MachineLifecycle {
  /** This run's spend; its cap is what is left of the session's budget. */
  readonly budget: BudgetTracker;
  readonly cadence: { heartbeatMs: number; agentPollSeconds: number };
  private batchDone = false;
  private lifetimeLeftMinutes?: number;
  private cacheReady?: Promise<void>;
  private readonly emit: Emit;

  constructor(private readonly o: LifecycleOptions) {
    const cap = o.request.maxCostUsd === undefined ? undefined : o.request.maxCostUsd - (o.priorSpentUsd ?? 0);
    this.budget = new BudgetTracker(cap);
    this.cadence = watchdogCadence(o.timings, o.request.heartbeatMinutes);
    this.emit = o.emit ?? quiet;
  }

  /**
   * The one heartbeat payload, on every path: the whole session's spend and budget, "the batch is done", and while
   * prompts end, the lifetime the rest needs.
   */
  heartbeat(): HeartbeatPayload {
    const payload: HeartbeatPayload = { spentUsd: (this.o.priorSpentUsd ?? 0) + this.budget.spentUsd(), budgetUsd: this.o.request.maxCostUsd };
    if (this.lifetimeLeftMinutes !== undefined && !this.batchDone) payload.lifetimeLeftMinutes = this.lifetimeLeftMinutes;
    return this.batchDone ? { ...payload, batchDone: true } : payload;
  }

  /**
   * The rest of the batch at the measured pace: the machines may live the same cap as at create, counted from now
   * (3 × that time, 1 h at least). Undefined (nothing ends, rendering stopped): the cap stays where the agent has it.
   */
  pace(remainingSeconds: number | undefined): void {
    this.lifetimeLeftMinutes = remainingSeconds === undefined ? undefined : Math.round(maxLifetimeMinutes(remainingSeconds));
  }

  agentSettings(offer: Offer): AgentSettings {
    return agentSettings(this.o.request, this.needPlan(), offer, this.cadence.agentPollSeconds);
  }

  /** One ready machine for pod `index` from `candidates`, best first; a capacity error moves on to the next offer. */
  async provision(index: number, candidates: Offer[]): Promise<LiveMachine> {
    await this.attachCache();
    let lastCapacity: GpuburstError | undefined;
    for (const offer of candidates) {
      if (this.o.signal?.aborted) break;
      const provider = this.o.pool.get(offer.provider);
      const record = intendedRecord(offer, machineName(this.o.journal.data.id, index), provider.capabilities().selfTerminate.via);
      try {
        return await this.provisionOn(provider, offer, record);
      } catch (err) {
        if (!(err instanceof CapacityError)) throw err;
        lastCapacity = err;
        this.emit({ type: 'log', level: 'warn', message: `${offer.provider} ${offer.gpu}: no capacity (${err.message}); trying the next offer` });
        if (record.id) await endQuietly(this.o.journal, provider, record);
        else this.o.journal.now(() => (record.state = 'not-created'));
        if (record.endedAt) this.budget.end(record.name, Date.parse(record.endedAt));
      }
    }
    throw lastCapacity ?? new CapacityError('no offer left to try');
  }

  private async provisionOn(provider: Provider, offer: Offer, record: MachineRecord): Promise<LiveMachine> {
    const { journal, stateDir } = this.o;
    const token = templateFor(offer.provider) ? accessToken(stateDir, record.name) : undefined;
    const accountKey = () => this.o.pool.accountKey(offer.provider as CloudProviderName);
    const setup = machineSetup({ request: this.o.request, plan: this.needPlan(), provider, offer, sessionId: journal.data.id, name: record.name, token, agentPollSeconds: this.cadence.agentPollSeconds, accountKey });
    record.watchdog = setup.watchdog;
    await createJournaled({ journal, provider, offer, record, spec: setup.spec, emit: this.emit });
    this.bill(record, provider, Date.parse(record.createdAt!));
    const live = await this.connect(provider, record, token, this.cadence.heartbeatMs);
    this.emit({ type: 'machine', name: record.name, provider: offer.provider, gpu: offer.gpu, state: 'ready', id: record.id });
    return live;
  }

  /** A machine the journal knows: started again when stopped, waited for when running; undefined when it is gone. */
  async reconnect(rec: MachineRecord): Promise<LiveMachine | undefined> {
    const provider = this.o.pool.get(rec.provider);
    const found = await provider.getMachine({ id: rec.id! });
    if (found.status === 'terminated' || found.status === 'failed') {
      this.o.journal.now(() => Object.assign(rec, { state: 'terminated', endedAt: rec.endedAt ?? new Date().toISOString(), note: `found ${found.providerStatus} on resume` }));
      return undefined;
    }
    if (found.status === 'stopped') {
      this.emit({ type: 'log', level: 'info', message: `${rec.provider} ${rec.name}: starting it again to pull what it kept` });
      await provider.startMachine({ id: rec.id! });
    }
    const token = templateFor(rec.provider) ? accessToken(this.o.stateDir, rec.name) : undefined;
    // Its agent keeps the window it was created with; the heartbeat keeps pace with that one.
    const heartbeatMs = watchdogCadence(this.o.timings, rec.watchdog.heartbeatMinutes ?? this.o.request.heartbeatMinutes).heartbeatMs;
    const live = await this.connect(provider, rec, token, heartbeatMs);
    // A machine carried over bills from now on as far as this run's budget is concerned (earlier spend is prior).
    this.bill(rec, provider, Date.now());
    return live;
  }

  private async connect(provider: Provider, record: MachineRecord, token: string | undefined, heartbeatMs: number): Promise<LiveMachine> {
    const c = await connect({ journal: this.o.journal, provider, record, token, timings: this.o.timings, heartbeatMs, heartbeat: () => this.heartbeat(), models: this.o.plan?.models ?? [], nodes: this.o.plan?.nodes?.map((n) => n.name), signal: this.o.signal, emit: this.emit });
    return { record, provider, ...c };
  }

  /** The client has everything it wanted: every agent hears it now (they end their machine once ComfyUI idles). */
  async finishBatch(machines: LiveMachine[]): Promise<void> {
    this.batchDone = true;
    // A beat in flight was built before batchDone: wait for it, then send one that says so.
    await Promise.all(machines.map((m) => m.channel?.freshBeat()));
  }

  /** Ends the session's machines as far as is safe (./teardown), and stops counting what they bill. */
  async teardown(policy: SessionRequest['teardown'], unpulled: (machineName: string) => number): Promise<TeardownOutcome[]> {
    const { journal, pool, timings } = this.o;
    const outcomes = await teardown({ journal, pool, policy, unpulled, emit: this.emit, pollMs: timings.pollSeconds * 1000, confirmSeconds: timings.confirmSeconds });
    for (const rec of journal.data.machines) if (rec.endedAt) this.budget.end(rec.name, Date.parse(rec.endedAt));
    return outcomes;
  }

  /** Machines created in this run whose create failed or whose boot never finished still bill until teardown. */
  billOpen(): void {
    for (const rec of this.o.journal.data.machines) {
      if (rec.createdAt && !rec.endedAt && !this.budget.tracks(rec.name)) this.bill(rec, this.o.pool.get(rec.provider), Date.parse(rec.createdAt));
    }
  }

  private bill(rec: MachineRecord, provider: Provider, startMs: number): void {
    if (this.budget.tracks(rec.name)) return;
    const { incrementSeconds, minimumSeconds } = provider.capabilities().billing;
    this.budget.start({ name: rec.name, usdPerHour: rec.usdPerHour, startMs, incrementSeconds, minimumSeconds });
  }

  /** The plan's model cache, found or created once (journaled first) before any machine that mounts it. */
  private attachCache(): Promise<void> {
    const plan = this.o.plan;
    if (!plan?.cache || plan.cacheMount) return Promise.resolve();
    const cache = plan.cache;
    this.cacheReady ??= ensureCache(cache, this.o.pool.get(cache.provider), this.o.journal, this.emit).then((mount) => void (plan.cacheMount = mount));
    return this.cacheReady;
  }

  private needPlan(): MachinePlan {
    if (!this.o.plan) throw new Error('MachineLifecycle: creating or reconnecting a machine needs the plan');
    return this.o.plan;
  }
}
