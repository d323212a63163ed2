/**
 * Simulated instances and their lifecycle (docs/reference/vast.md §4, §6): `actual_status` null → loading → running; a stop
 * gives the GPU back (a restart waits in `scheduling` until one is free); destroy ends everything. Billing
 * (docs/reference/vast.md §6): compute per second while running; storage every second the instance exists, stopped included,
 * nothing while offline. On running, the machine host boots with the env the container would see, including
 * `CONTAINER_ID` and the per-instance `CONTAINER_API_KEY` (docs/reference/vast.md §8).
 */
import crypto from 'crypto';
import { BillingMeter } from '../common/billing';
import type { MachineHost } from '../common/machine-host';
import type { SimTimings } from '../common/types';
import type { CreateRequest } from './create-request';
import type { VastHost } from './inventory';
import { storageUsdPerHour } from './inventory';
import { containerEnv, freePort } from './boot';
import { computeUsdPerHour, SimInstance } from './render';

export interface InstanceStoreOptions {
  timings: SimTimings;
  /** What runs on a machine, by image (Vast's own images have their own auth edge). */
  hostFor: (image: string) => MachineHost;
  publicIp: string;
  comfyPort: number;
  now?: () => number;
}

export class InstanceStore {
  readonly meter: BillingMeter;
  readonly all: SimInstance[] = [];
  /** Per-instance key → instance id. */
  readonly instanceKeys = new Map<string, number>();
  private nextId = 9_100_001;
  /** Boots under way, so close() can wait for them and stop what they started. */
  private readonly booting = new Set<Promise<void>>();

  constructor(private readonly o: InstanceStoreOptions) {
    this.meter = new BillingMeter((s) => Math.ceil(s), o.now);
  }

  get(id: number): SimInstance | undefined {
    return this.all.find((i) => i.id === id && !i.destroyed);
  }

  slotsInUse(askId: number): number {
    return this.all.filter((i) => i.host.id === askId && i.holdsSlot && !i.destroyed).length;
  }

  /** `startable: false` leaves the instance waiting in `scheduling` (only reached without cancel_unavail). */
  create(host: VastHost, req: CreateRequest): SimInstance {
    const inst: SimInstance = {
      id: this.nextId++,
      host,
      req,
      apiKey: crypto.randomBytes(32).toString('hex'),
      label: req.label,
      actual: null,
      intended: req.targetState,
      statusMsg: null,
      startDate: Date.now() / 1000,
      createdAt: new Date().toISOString(),
      destroyed: false,
      holdsSlot: false,
      gen: 0,
    };
    this.all.push(inst);
    this.instanceKeys.set(inst.apiKey, inst.id);
    const id = String(inst.id);
    this.meter.open(id, { computeUsdPerHour: computeUsdPerHour(inst), storageUsdPerHour: storageUsdPerHour(host, req.diskGb) });
    this.meter.set(id, { compute: false, storage: true });
    if (req.targetState === 'stopped') inst.actual = 'exited';
    else this.schedule(inst, true);
    return inst;
  }

  stop(inst: SimInstance): void {
    if (inst.intended === 'stopped') return;
    inst.intended = 'stopped';
    const gen = this.bump(inst);
    this.after(inst, this.o.timings.stopMs, async () => {
      await this.halt(inst);
      if (inst.gen !== gen) return;
      inst.actual = 'exited';
      inst.statusMsg = 'stopped';
      inst.holdsSlot = false;
    });
  }

  start(inst: SimInstance): void {
    if (inst.intended === 'running' && inst.actual !== 'exited') return;
    inst.intended = 'running';
    const gen = this.bump(inst);
    // A destroy or stop arriving meanwhile wins.
    void this.halt(inst).then(() => inst.gen === gen && this.schedule(inst, false));
  }

  async destroy(inst: SimInstance): Promise<void> {
    inst.destroyed = true;
    inst.holdsSlot = false;
    inst.terminatedAt = new Date().toISOString();
    this.bump(inst);
    this.instanceKeys.delete(inst.apiKey);
    await this.halt(inst);
    this.meter.close(String(inst.id));
  }

  /** Admin: the container crashed (`exited`), the host lost contact (`unknown`, `offline`), a failed create. */
  async inject(inst: SimInstance, status: string, statusMsg: string | null): Promise<void> {
    this.bump(inst);
    await this.halt(inst);
    inst.actual = status;
    inst.statusMsg = statusMsg;
    this.meter.set(String(inst.id), { compute: false, storage: status !== 'offline' });
  }

  async close(): Promise<void> {
    for (const inst of this.all) this.bump(inst);
    await Promise.all([...this.booting]);
    for (const inst of this.all) {
      this.bump(inst);
      await this.halt(inst);
    }
  }

  /** Waits for a free slot (GPU), then provisioning → loading → running. */
  private schedule(inst: SimInstance, fresh: boolean): void {
    const gen = inst.gen;
    if (!inst.host.startable || this.slotsInUse(inst.host.id) >= inst.host.slots) {
      inst.actual = 'scheduling';
      inst.statusMsg = 'Waiting for a GPU on this machine';
      this.after(inst, Math.max(50, this.o.timings.provisionMs), () => this.schedule(inst, fresh));
      return;
    }
    inst.holdsSlot = true;
    inst.actual = fresh ? null : 'scheduling';
    this.after(inst, this.o.timings.provisionMs, () => {
      inst.actual = 'loading';
      inst.statusMsg = `Pulling ${inst.req.image}`;
      this.after(inst, this.o.timings.bootMs, () => this.run(inst, gen));
    });
  }

  private async run(inst: SimInstance, gen: number): Promise<void> {
    const port = await freePort();
    if (inst.gen !== gen) return;
    inst.hostPort = port;
    inst.actual = 'running';
    inst.statusMsg = `success, running ${inst.req.image}`;
    this.meter.set(String(inst.id), { compute: true, storage: true });
    this.after(inst, this.o.timings.comfyStartMs, () => {
      const boot = this.bootHost(inst, gen).finally(() => this.booting.delete(boot));
      this.booting.add(boot);
    });
  }

  /**
   * ComfyUI comes up when the image's own start runs: always with `runtype: args`; under Vast's entrypoint
   * (ssh/jupyter) only if `onstart` hands over to it (docs/reference/vast.md §10.4). The sim cannot run the script, so a
   * non-empty onstart counts as handing over.
   */
  private async bootHost(inst: SimInstance, gen: number): Promise<void> {
    const argsMode = inst.req.runtype === 'args';
    if (!argsMode && !inst.req.onstart?.trim()) return;
    try {
      const proc = await this.o.hostFor(inst.req.image).boot({
        provider: 'vast',
        machineId: String(inst.id),
        image: inst.req.image,
        name: inst.label ?? '',
        env: containerEnv(inst, this.o.publicIp, this.o.comfyPort),
        bootScript: argsMode ? undefined : (inst.req.onstart ?? undefined),
        host: '127.0.0.1',
        port: inst.hostPort,
      });
      if (inst.gen !== gen) return void (await proc.stop());
      inst.process = proc;
    } catch (err) {
      if (inst.gen !== gen) return;
      inst.actual = 'exited';
      inst.statusMsg = `container exited: ${(err as Error).message}`;
      this.meter.set(String(inst.id), { compute: false, storage: true });
    }
  }

  /** Stops what runs on the machine; compute billing ends with it. */
  private async halt(inst: SimInstance): Promise<void> {
    const proc = inst.process;
    inst.process = undefined;
    inst.hostPort = undefined;
    if (!inst.destroyed) this.meter.set(String(inst.id), { compute: false, storage: true });
    await proc?.stop();
  }

  private bump(inst: SimInstance): number {
    clearTimeout(inst.timer);
    inst.timer = undefined;
    return ++inst.gen;
  }

  private after(inst: SimInstance, ms: number, fn: () => void | Promise<void>): void {
    clearTimeout(inst.timer);
    inst.timer = setTimeout(() => void fn(), ms);
  }
}
