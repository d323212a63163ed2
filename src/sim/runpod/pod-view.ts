/**
 * What the v2 API shows of a simulated pod: the `Pod` object with its allowed `actions` and a `runtime` that stays
 * null until a moment after RUNNING (docs/reference/runpod.md §4.1, §4.4).
 */
import type { MeterReading } from '../common/billing';
import type { MachineProcess } from '../common/machine-host';
import type { SimMachineState } from '../common/types';
import { DATA_CENTERS, SimCloud } from './catalog';

export type PodStatus = 'PROVISIONING' | 'STARTING' | 'RUNNING' | 'EXITED' | 'ERROR' | 'TERMINATED';

/** Allowed actions per status, from the v2 prose (the 201 example contradicts it; docs/reference/runpod.md §3.1). */
export const ACTIONS: Record<PodStatus, string[]> = {
  PROVISIONING: ['stop', 'terminate'],
  STARTING: ['stop', 'terminate'],
  RUNNING: ['stop', 'restart', 'terminate'],
  EXITED: ['start', 'terminate'],
  ERROR: ['start', 'terminate'],
  TERMINATED: [],
};

export interface PodInput {
  name: string;
  image: string;
  args: string;
  disk: number;
  env: Record<string, string>;
  ports: string[];
  gpuId: string;
  count: number;
  cloud: SimCloud;
  volumeGb: number;
  volumePath?: string;
  /** A mounted network volume and where the container sees it. */
  networkVolumeId?: string;
  networkPath?: string;
  registry: string | null;
  globalNetworking: boolean;
}

const CUDA_VERSION = '12.8';

export interface SimPod extends PodInput {
  id: string;
  status: PodStatus;
  usdPerHour: number;
  scopedKey: string;
  hostSuffix: string;
  createdAt: string;
  startedAt: string | null;
  runningAt?: number;
  terminatedAt?: string;
  holdsGpus: boolean;
  timer?: NodeJS.Timeout;
  /** Bumped on every transition that ends a boot, so a late-finishing boot is stopped instead of kept. */
  generation: number;
  process?: MachineProcess;
  booting?: Promise<void>;
}

export function podJson(pod: SimPod, cost: number, comfyStartMs: number): Record<string, unknown> {
  return {
    id: pod.id,
    name: pod.name,
    image: pod.image,
    args: pod.args,
    disk: pod.disk,
    ports: pod.ports,
    env: pod.env,
    registry: pod.registry,
    status: pod.status,
    actions: ACTIONS[pod.status],
    mounts: pod.networkVolumeId ? { network: [{ volumeId: pod.networkVolumeId, path: pod.networkPath }] } : pod.volumeGb > 0 ? { persistent: { size: pod.volumeGb, path: pod.volumePath } } : {},
    gpu: { id: pod.gpuId, count: pod.count },
    cloud: pod.cloud,
    dataCenterId: DATA_CENTERS[pod.cloud].id,
    cudaVersion: CUDA_VERSION,
    ssh: { proxy: { host: 'ssh.runpod.io', port: 22, username: `${pod.id}-${pod.hostSuffix}`, command: `ssh ${pod.id}-${pod.hostSuffix}@ssh.runpod.io` }, direct: null },
    template: null,
    cost,
    locked: false,
    globalNetworking: { enabled: pod.globalNetworking },
    runtime: runtime(pod, comfyStartMs),
    createdAt: pod.createdAt,
    startedAt: pod.startedAt,
  };
}

/** Port mappings appear a while after RUNNING (docs/reference/runpod.md §4.4): here after half the ComfyUI start time. */
function runtime(pod: SimPod, comfyStartMs: number): Record<string, unknown> | null {
  if (pod.status !== 'RUNNING' || !pod.runningAt || Date.now() < pod.runningAt + comfyStartMs / 2) return null;
  const ports = pod.ports.map((spec, i) => {
    const [port, type] = spec.split('/');
    // http ports go through the proxy (private address); tcp ports get a public ip:port (docs/reference/runpod.md §4.2, §5).
    return type === 'http'
      ? { private: Number(port), public: 60100 + i, type: 'http', ip: `100.65.${i}.101` }
      : { private: Number(port), public: 34400 + i, type: 'tcp', ip: '195.26.233.3' };
  });
  return { uptime: Math.floor((Date.now() - pod.runningAt) / 1000), gpus: [{ id: `GPU-${pod.hostSuffix}`, gpuUtilPercent: 0, memoryUtilPercent: 0 }], ports };
}

/** What RunPod puts into every pod's environment besides the user's (docs/reference/runpod.md §8). */
export function injectedEnv(pod: SimPod): Record<string, string> {
  return {
    RUNPOD_POD_ID: pod.id,
    RUNPOD_API_KEY: pod.scopedKey,
    RUNPOD_DC_ID: DATA_CENTERS[pod.cloud].id,
    RUNPOD_POD_HOSTNAME: `${pod.id}-${pod.hostSuffix}`,
    RUNPOD_GPU_COUNT: String(pod.count),
    ...(pod.networkVolumeId ? { RUNPOD_VOLUME_ID: pod.networkVolumeId } : {}),
    CUDA_VERSION,
  };
}

export function machineState(pod: SimPod, reading: MeterReading, billing: boolean, cost: number): SimMachineState {
  return {
    id: pod.id,
    name: pod.name,
    status: pod.status,
    running: cost > 0,
    billing,
    billedSeconds: reading.billedSeconds,
    costUsd: reading.costUsd,
    usdPerHour: cost,
    gpu: pod.gpuId,
    createdAt: pod.createdAt,
    terminatedAt: pod.terminatedAt,
    comfyUrl: pod.process?.comfyUrl,
  };
}
