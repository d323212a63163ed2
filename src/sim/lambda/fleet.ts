/**
 * The simulated instances and their lifecycle (docs/reference/lambda.md §4, §6, §11):
 *   booting (no ip) → active (ip, billing starts; the bootstrap's ComfyUI comes up a moment later)
 *   → terminating (on the terminate request: billing and the VM stop) → gone from every listing; `GET` → 404.
 * Billing: per started minute from `active` until the terminate request. Terminated instances stay in `/_sim/state`.
 */
import crypto from 'crypto';
import { readBootstrapEnv, readBootstrapImage } from '../common/bootstrap-env';
import type { BillingMeter } from '../common/billing';
import type { MachineHost, MachineProcess } from '../common/machine-host';
import type { SimMachineState, SimTimings } from '../common/types';
import type { SimInstanceType, SimRegion } from './catalog';
import { instanceNotFound } from './errors';
import type { LaunchParams } from './launch-request';
import { openPortGate, PortGate } from './network';

export interface SimInstance {
  id: string;
  params: LaunchParams;
  type: SimInstanceType;
  region: SimRegion;
  status: 'booting' | 'active' | 'unhealthy' | 'terminating';
  gone: boolean;
  ip?: string;
  privateIp?: string;
  jupyterToken: string;
  createdAt: string;
  terminatedAt?: string;
  gate?: PortGate;
  proc?: MachineProcess;
  timers: NodeJS.Timeout[];
  /** Filesystems mounted at launch: id, mount point, the simulator's folder behind it. */
  mounts: { id: string; path: string; dir: string }[];
}

export interface FleetDeps {
  timings: SimTimings;
  meter: BillingMeter;
  host: MachineHost;
  comfyPort: number;
  /** Does the firewall let `remoteIp` reach TCP `port` of this instance? */
  allows: (instance: SimInstance, port: number, remoteIp: string) => boolean;
  /** Called when an instance is gone, to give its capacity back. */
  onGone: (instance: SimInstance) => void;
}

export class Fleet {
  private readonly instances = new Map<string, SimInstance>();
  private closed = false;

  constructor(private readonly deps: FleetDeps) {}

  launch(params: LaunchParams, type: SimInstanceType, region: SimRegion, mounts: SimInstance['mounts'] = []): SimInstance {
    const inst: SimInstance = {
      id: crypto.randomBytes(16).toString('hex'),
      params,
      type,
      region,
      status: 'booting',
      gone: false,
      jupyterToken: crypto.randomBytes(16).toString('hex'),
      createdAt: new Date().toISOString(),
      timers: [],
      mounts,
    };
    this.instances.set(inst.id, inst);
    this.deps.meter.open(inst.id, { computeUsdPerHour: type.price_cents_per_hour / 100, storageUsdPerHour: 0 });
    const { provisionMs, bootMs } = this.deps.timings;
    this.later(inst, provisionMs + bootMs, () => this.activate(inst));
    return inst;
  }

  /** A live (not yet gone) instance, or the API's 404. */
  get(id: string): SimInstance {
    const inst = this.instances.get(id);
    if (!inst || inst.gone) throw instanceNotFound();
    return inst;
  }

  live(): SimInstance[] {
    return [...this.instances.values()].filter((i) => !i.gone);
  }

  /** All ids must exist, or nothing happens (404). Terminating twice is harmless. */
  async terminate(ids: string[]): Promise<SimInstance[]> {
    const targets = ids.map((id) => this.get(id));
    for (const inst of targets) {
      if (inst.status === 'terminating') continue;
      inst.status = 'terminating';
      inst.terminatedAt = new Date().toISOString();
      this.deps.meter.close(inst.id);
      inst.timers.forEach(clearTimeout);
      inst.timers = [];
      this.later(inst, this.deps.timings.stopMs, () => {
        inst.gone = true;
        this.deps.onGone(inst);
      });
      await this.shutDown(inst);
    }
    return targets;
  }

  state(): SimMachineState[] {
    return [...this.instances.values()].map((i) => {
      const bill = this.deps.meter.read(i.id);
      const running = i.status === 'active' || i.status === 'unhealthy';
      return {
        id: i.id,
        name: i.params.name ?? '',
        status: i.gone ? 'terminated' : i.status,
        running,
        billing: this.deps.meter.isBilling(i.id),
        billedSeconds: bill.billedSeconds,
        costUsd: bill.costUsd,
        usdPerHour: i.type.price_cents_per_hour / 100,
        gpu: i.type.gpu_description,
        createdAt: i.createdAt,
        terminatedAt: i.terminatedAt,
        comfyUrl: running && i.gate ? `http://${i.gate.ip}:${i.gate.port}` : undefined,
      };
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const inst of this.instances.values()) {
      inst.timers.forEach(clearTimeout);
      inst.timers = [];
      await this.shutDown(inst);
    }
  }

  /** The VM passed health checks: it gets its address, starts billing, and its bootstrap starts ComfyUI. */
  private async activate(inst: SimInstance): Promise<void> {
    let gate: PortGate;
    try {
      gate = await openPortGate(this.deps.comfyPort, (remote) => this.deps.allows(inst, this.deps.comfyPort, remote));
    } catch {
      if (inst.status === 'booting') inst.status = 'unhealthy';
      return;
    }
    if (inst.status !== 'booting' || this.closed) return void (await gate.close());
    inst.gate = gate;
    inst.ip = gate.ip;
    inst.privateIp = `10.${crypto.randomInt(256)}.${crypto.randomInt(256)}.${1 + crypto.randomInt(254)}`;
    inst.status = 'active';
    this.deps.meter.set(inst.id, { compute: true, storage: false });
    this.later(inst, this.deps.timings.comfyStartMs, () => this.startComfy(inst));
  }

  /** Stands in for cloud-init running the bootstrap: the container's environment is what the script exports. */
  private async startComfy(inst: SimInstance): Promise<void> {
    const userData = inst.params.userData ?? '';
    try {
      const proc = await this.deps.host.boot({
        provider: 'lambda',
        machineId: inst.id,
        name: inst.params.name ?? '',
        env: readBootstrapEnv(userData) ?? {},
        image: readBootstrapImage(userData),
        bootScript: userData,
        host: inst.ip,
        port: 0,
        mounts: inst.mounts.map(({ path, dir }) => ({ path, dir })),
      });
      if (inst.status === 'terminating' || this.closed) return void (await proc.stop());
      inst.proc = proc;
      const url = new URL(proc.comfyUrl);
      inst.gate?.setUpstream({ host: url.hostname, port: Number(url.port) });
    } catch {
      if (inst.status === 'active') inst.status = 'unhealthy';
    }
  }

  private async shutDown(inst: SimInstance): Promise<void> {
    const { proc, gate } = inst;
    inst.proc = undefined;
    inst.gate = undefined;
    await proc?.stop();
    await gate?.close();
  }

  private later(inst: SimInstance, ms: number, fn: () => void | Promise<void>): void {
    const timer = setTimeout(() => {
      inst.timers = inst.timers.filter((t) => t !== timer);
      void fn();
    }, ms);
    inst.timers.push(timer);
  }
}
