/**
 * The simulated account: machines, their events, startup scripts and capacity, with the lifecycle of docs/reference/paperspace.md
 * §4 and the billing rule of §6 (compute in every state but `off`, storage until delete).
 *   create: provisioning → serviceready → ready (public IP assigned at ready); no capacity: → off + create event `error`
 *   stop:   stopping → off (dynamic IP released)        start: starting → ready (or → off + start event `error`)
 *   delete: gone at once (GET answers 404), event `deactivate`
 */
import crypto from 'crypto';
import { readBootstrapEnv, readBootstrapImage } from '../common/bootstrap-env';
import { BillingMeter } from '../common/billing';
import type { MachineHost, MachineProcess } from '../common/machine-host';
import type { SimTimings } from '../common/types';
import { CapacityTable } from './capacity';
import { CAPACITY_ERROR, HOURS_PER_MONTH, STORAGE_USD_PER_GB_MONTH } from './catalog';
import { randomLoopbackIp } from './ips';
import type { SimEvent, SimMachine, SimScript } from './model';

export interface WorldOptions {
  timings: SimTimings;
  host: MachineHost;
  comfyPort: number;
  billingIncrementSeconds: number;
  /** Length of one auto-shutdown "hour" in milliseconds (shorten it in tests). */
  hourMs: number;
}

export class World {
  readonly machines = new Map<string, SimMachine>();
  readonly events: SimEvent[] = [];
  readonly scripts = new Map<string, SimScript>();
  readonly capacity = new CapacityTable();
  readonly meter: BillingMeter;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly processes = new Map<string, MachineProcess>();
  private seq = 0;
  private closed = false;

  constructor(readonly opts: WorldOptions) {
    const inc = opts.billingIncrementSeconds;
    this.meter = new BillingMeter((s) => Math.ceil(s / inc) * inc);
  }

  id(prefix: string): string {
    return prefix + crypto.randomBytes(4).toString('hex').slice(0, 7);
  }

  addEvent(machineId: string, name: string, state: SimEvent['state'] = 'in progress'): SimEvent {
    const now = new Date().toISOString();
    const event: SimEvent = { id: this.id('ev'), name, state, machineId, error: null, dtCreated: now, dtStarted: now, dtFinished: null, seq: this.seq++ };
    if (state === 'done' || state === 'error') event.dtFinished = now;
    this.events.push(event);
    return event;
  }

  finish(event: SimEvent, error?: string): void {
    event.state = error ? 'error' : 'done';
    event.error = error ?? null;
    event.dtFinished = new Date().toISOString();
  }

  /** A new machine (validated by the route) starts provisioning, or stays off when startOnCreate is false. */
  create(m: SimMachine, startOnCreate: boolean): SimEvent {
    this.machines.set(m.id, m);
    const storageUsdPerHour = (m.diskSize * STORAGE_USD_PER_GB_MONTH) / HOURS_PER_MONTH;
    this.meter.open(m.id, { computeUsdPerHour: m.usageRate, storageUsdPerHour });
    const event = this.addEvent(m.id, 'create', 'new');
    m.pendingEvent = event;
    const placeable = this.capacity.place(m.machineType, m.region);
    this.setState(m, 'provisioning');
    this.later(m, this.opts.timings.provisionMs, () => {
      if (!startOnCreate) return this.settle(m, 'off', event);
      if (!placeable) return this.settle(m, 'off', event, CAPACITY_ERROR);
      this.setState(m, 'serviceready');
      this.later(m, this.opts.timings.bootMs, () => this.powerOn(m, event));
    });
    return event;
  }

  start(m: SimMachine): SimEvent {
    const event = this.addEvent(m.id, 'start');
    m.pendingEvent = event;
    const placeable = this.capacity.place(m.machineType, m.region);
    this.setState(m, 'starting');
    this.later(m, this.opts.timings.bootMs, () => (placeable ? this.powerOn(m, event) : this.settle(m, 'off', event, CAPACITY_ERROR)));
    return event;
  }

  stop(m: SimMachine, eventName = 'stop'): SimEvent {
    const event = this.addEvent(m.id, eventName);
    this.cancelTimers(m);
    this.cutShort(m);
    this.setState(m, 'stopping');
    void this.halt(m);
    this.later(m, this.opts.timings.stopMs, () => {
      if (m.publicIpType !== 'static') m.publicIp = null;
      this.settle(m, 'off', event);
    });
    return event;
  }

  remove(m: SimMachine): SimEvent {
    this.cancelTimers(m);
    this.cutShort(m);
    void this.halt(m);
    m.dtDeleted = new Date().toISOString();
    m.publicIp = null;
    this.meter.close(m.id);
    for (const s of this.scripts.values()) s.assignedMachineIds = s.assignedMachineIds.filter((id) => id !== m.id);
    return this.addEvent(m.id, 'deactivate', 'done');
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.all([...this.processes.keys()].map((id) => this.halt(this.machines.get(id)!)));
  }

  private powerOn(m: SimMachine, event: SimEvent): void {
    m.publicIp ??= randomLoopbackIp([...this.machines.values()].map((x) => x.publicIp));
    this.settle(m, 'ready', event);
    const boots = ++m.boots;
    this.later(m, this.opts.timings.comfyStartMs, () => {
      this.runMachine(m, boots).catch((err: Error) => (m.bootError = err.message));
    });
    if (m.autoShutdownEnabled && m.autoShutdownTimeout) this.later(m, m.autoShutdownTimeout * this.opts.hourMs, () => this.stop(m));
  }

  /** What the VM runs once booted: its startup script on first boot, then the container that script installed. */
  private async runMachine(m: SimMachine, boots: number): Promise<void> {
    if (m.installedEnv === undefined) {
      const script = m.startupScriptId ? this.scripts.get(m.startupScriptId) : undefined;
      // A run-once script runs only on the first boot; the container it started comes back on its own after.
      m.installedEnv = script && !script.dtDeleted ? readBootstrapEnv(script.script) ?? null : null;
      if (script && !script.dtDeleted) m.bootScript = script.script;
    }
    if (!m.installedEnv || !m.publicIp) return; // nothing listens: no ComfyUI reachable
    const proc = await this.opts.host.boot({
      provider: 'paperspace',
      machineId: m.id,
      name: m.name,
      env: m.installedEnv,
      image: m.bootScript ? readBootstrapImage(m.bootScript) : undefined,
      bootScript: m.bootScript,
      host: m.publicIp,
      port: this.opts.comfyPort,
    });
    // Stopped or deleted while booting: do not leave a ComfyUI behind.
    if (this.closed || m.boots !== boots || m.state !== 'ready' || m.dtDeleted) return void (await proc.stop());
    this.processes.set(m.id, proc);
    m.comfyUrl = proc.comfyUrl;
  }

  private async halt(m: SimMachine): Promise<void> {
    m.boots++;
    m.comfyUrl = undefined;
    const proc = this.processes.get(m.id);
    this.processes.delete(m.id);
    await proc?.stop();
  }

  private settle(m: SimMachine, state: string, event: SimEvent, error?: string): void {
    this.setState(m, state);
    this.finish(event, error);
    if (m.pendingEvent === event) m.pendingEvent = undefined;
  }

  private cutShort(m: SimMachine): void {
    if (!m.pendingEvent) return;
    m.pendingEvent.state = 'cancelled';
    m.pendingEvent.dtFinished = new Date().toISOString();
    m.pendingEvent = undefined;
  }

  private setState(m: SimMachine, state: string): void {
    m.state = state;
    m.dtModified = new Date().toISOString();
    if (!m.dtDeleted) this.meter.set(m.id, { compute: state !== 'off', storage: true });
  }

  private later(m: SimMachine, ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      m.timers.delete(t);
      if (!m.dtDeleted) fn();
    }, ms);
    this.timers.add(t);
    m.timers.add(t);
  }

  private cancelTimers(m: SimMachine): void {
    for (const t of m.timers) {
      clearTimeout(t);
      this.timers.delete(t);
    }
    m.timers.clear();
  }
}
