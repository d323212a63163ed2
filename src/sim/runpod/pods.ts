/**
 * Simulated RunPod pods: the v2 lifecycle PROVISIONING → STARTING → RUNNING (runtime null until a moment after
 * RUNNING), stop → EXITED, start/restart, terminate; GPU capacity; per-second billing of compute and storage
 * (docs/reference/runpod.md §4.1, §6); and the machine host booted with what RunPod injects (RUNPOD_POD_ID, a pod-scoped
 * RUNPOD_API_KEY, §8).
 */
import crypto from 'crypto';
import { BillingMeter } from '../common/billing';
import type { MachineHost } from '../common/machine-host';
import type { SimMachineState, SimTimings } from '../common/types';
import { simKey } from '../common/test-keys';
import { Capacity, priceOf } from './catalog';
import { PodInput, SimPod, injectedEnv, machineState, podJson } from './pod-view';

export interface StorageRates {
  /** Container and volume disk while running (docs/reference/runpod.md §6: $0.10/GB/month). */
  runningUsdPerGbMonth: number;
  /** Volume disk while stopped ($0.20/GB/month); the container disk is not charged then. */
  stoppedVolumeUsdPerGbMonth: number;
}

const HOURS_PER_MONTH = 730;


export interface PodStoreDeps {
  capacity: Capacity;
  host: MachineHost;
  timings: SimTimings;
  storage: StorageRates;
  /** Host folder behind a network volume (mounted at the pod's network path). */
  volumeDir?: (volumeId: string) => string | undefined;
}

export class PodStore {
  readonly meter = new BillingMeter((s) => Math.ceil(s));
  /** Pod-scoped key → pod id, while the pod exists. */
  readonly podKeys = new Map<string, string>();
  private readonly pods = new Map<string, SimPod>();
  /** Machine processes being shut down, awaited by close(). */
  private readonly stopping = new Set<Promise<void>>();

  constructor(private readonly deps: PodStoreDeps) {}

  /** A new pod, or undefined when its GPU pool cannot place it. */
  create(input: PodInput): SimPod | undefined {
    const type = this.deps.capacity.find(input.gpuId);
    const price = type ? priceOf(type, input.cloud) : null;
    if (price === null || !this.deps.capacity.take(input.gpuId, input.cloud, input.count)) return undefined;
    const id = randomId(14);
    const pod: SimPod = {
      ...input,
      id,
      status: 'PROVISIONING',
      usdPerHour: round(price * input.count),
      scopedKey: simKey('rpa_', 20, true),
      hostSuffix: crypto.randomBytes(4).toString('hex'),
      createdAt: new Date().toISOString(),
      startedAt: null,
      holdsGpus: true,
      generation: 0,
    };
    this.pods.set(id, pod);
    this.podKeys.set(pod.scopedKey, id);
    // Compute bills from allocation on: the 201 answer already quotes `cost` (docs/reference/runpod.md §3.1).
    this.meter.open(id, { computeUsdPerHour: pod.usdPerHour, storageUsdPerHour: this.storageRate(pod, true) });
    this.meter.set(id, { compute: true, storage: true });
    this.after(pod, this.deps.timings.provisionMs, () => this.starting(pod));
    return pod;
  }

  /** A pod the API still knows (terminated pods are gone: 404, absent from the list). */
  get(id: string): SimPod | undefined {
    const pod = this.pods.get(id);
    return pod && pod.status !== 'TERMINATED' ? pod : undefined;
  }

  list(): SimPod[] {
    return [...this.pods.values()].filter((p) => p.status !== 'TERMINATED');
  }

  stop(pod: SimPod): void {
    this.halt(pod);
    pod.status = 'EXITED';
    this.releaseGpus(pod);
    this.meter.setRates(pod.id, { storageUsdPerHour: this.storageRate(pod, false) });
    this.meter.set(pod.id, { compute: false, storage: pod.volumeGb > 0 });
  }

  /** Resume a stopped pod; false when its GPUs were taken meanwhile (docs/reference/runpod.md §6: resume can fail). */
  start(pod: SimPod): boolean {
    if (!this.deps.capacity.take(pod.gpuId, pod.cloud, pod.count)) return false;
    pod.holdsGpus = true;
    this.meter.setRates(pod.id, { storageUsdPerHour: this.storageRate(pod, true) });
    this.meter.set(pod.id, { compute: true, storage: true });
    this.starting(pod);
    return true;
  }

  restart(pod: SimPod): void {
    this.halt(pod);
    this.starting(pod);
  }

  terminate(pod: SimPod): void {
    this.halt(pod);
    pod.status = 'TERMINATED';
    pod.terminatedAt = new Date().toISOString();
    this.releaseGpus(pod);
    this.podKeys.delete(pod.scopedKey);
    this.meter.close(pod.id);
  }

  /** The container died for good (injected through the admin surface): compute stops, the disk stays. */
  fail(pod: SimPod): void {
    this.stop(pod);
    pod.status = 'ERROR';
  }

  /** Loopback ComfyUI of a pod whose service listens by now (the proxy answers 502 before). */
  comfyUrl(id: string): string | undefined {
    const pod = this.get(id);
    if (!pod || pod.status !== 'RUNNING' || !pod.process || !pod.runningAt) return undefined;
    return Date.now() >= pod.runningAt + this.deps.timings.comfyStartMs ? pod.process.comfyUrl : undefined;
  }

  cost(pod: SimPod): number {
    return ['PROVISIONING', 'STARTING', 'RUNNING'].includes(pod.status) ? pod.usdPerHour : 0;
  }

  spentUsd(): number {
    return [...this.pods.keys()].reduce((sum, id) => sum + this.meter.read(id).costUsd, 0);
  }

  /** The v2 `Pod` object (docs/reference/runpod.md §4.1). */
  toJson(pod: SimPod): Record<string, unknown> {
    return podJson(pod, this.cost(pod), this.deps.timings.comfyStartMs);
  }

  state(): SimMachineState[] {
    return [...this.pods.values()].map((pod) => machineState(pod, this.meter.read(pod.id), this.meter.isBilling(pod.id), this.cost(pod)));
  }

  async close(): Promise<void> {
    for (const pod of this.pods.values()) {
      clearTimeout(pod.timer);
      pod.generation++;
    }
    await Promise.all([...this.pods.values()].map((pod) => pod.booting?.catch(() => undefined)));
    for (const pod of this.pods.values()) this.stopProcess(pod);
    await Promise.all([...this.stopping]);
  }

  private starting(pod: SimPod): void {
    pod.status = 'STARTING';
    this.after(pod, this.deps.timings.bootMs, () => this.running(pod));
  }

  private running(pod: SimPod): void {
    pod.status = 'RUNNING';
    pod.runningAt = Date.now();
    pod.startedAt = new Date(pod.runningAt).toISOString();
    const generation = pod.generation;
    pod.booting = this.deps.host
      .boot({ provider: 'runpod', machineId: pod.id, name: pod.name, image: pod.image, env: { ...pod.env, ...injectedEnv(pod) }, bootScript: pod.args || undefined, mounts: this.mounts(pod) })
      .then(async (proc) => {
        if (pod.generation === generation && pod.status === 'RUNNING') pod.process = proc;
        else await proc.stop().catch(() => undefined);
      })
      .catch(() => {
        if (pod.generation === generation && pod.status === 'RUNNING') this.fail(pod);
      });
  }

  private mounts(pod: SimPod): { path: string; dir: string }[] {
    const dir = pod.networkVolumeId ? this.deps.volumeDir?.(pod.networkVolumeId) : undefined;
    return dir && pod.networkPath ? [{ path: pod.networkPath, dir }] : [];
  }

  /** Ends timers and processes of the current run. */
  private halt(pod: SimPod): void {
    clearTimeout(pod.timer);
    pod.generation++;
    pod.runningAt = undefined;
    this.stopProcess(pod);
  }

  private stopProcess(pod: SimPod): void {
    const proc = pod.process;
    pod.process = undefined;
    if (!proc) return;
    const done: Promise<void> = proc.stop().catch(() => undefined).finally(() => this.stopping.delete(done));
    this.stopping.add(done);
  }

  private releaseGpus(pod: SimPod): void {
    if (!pod.holdsGpus) return;
    pod.holdsGpus = false;
    this.deps.capacity.give(pod.gpuId, pod.cloud, pod.count);
  }

  private storageRate(pod: SimPod, running: boolean): number {
    const { runningUsdPerGbMonth, stoppedVolumeUsdPerGbMonth } = this.deps.storage;
    const usdPerMonth = running ? (pod.disk + pod.volumeGb) * runningUsdPerGbMonth : pod.volumeGb * stoppedVolumeUsdPerGbMonth;
    return usdPerMonth / HOURS_PER_MONTH;
  }

  private after(pod: SimPod, ms: number, fn: () => void): void {
    clearTimeout(pod.timer);
    pod.timer = setTimeout(fn, ms);
  }
}

function randomId(length: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(crypto.randomBytes(length), (b) => alphabet[b % alphabet.length]).join('');
}

function round(usd: number): number {
  return Math.round(usd * 10_000) / 10_000;
}

export { ACTIONS } from './pod-view';
export type { PodStatus, SimPod } from './pod-view';
