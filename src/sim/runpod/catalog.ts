/**
 * The simulated RunPod GPU catalog and its capacity. Prices are per GPU, USD per hour, illustrative defaults taken
 * from docs/reference/throughput-and-prices.md §3a (SkyPilot catalogs, RunPod's own examples); pass `gpuTypes` to change them.
 * Capacity is a count of free GPUs per (GPU type, cloud): creates take GPUs, stop/terminate give them back
 * ("Stopping a Pod releases the GPU", docs/reference/runpod.md §6).
 */
export type SimCloud = 'SECURE' | 'COMMUNITY';
export type Availability = 'NONE' | 'LOW' | 'MEDIUM' | 'HIGH';

export interface SimGpuType {
  id: string;
  name: string;
  manufacturer: 'NVIDIA' | 'AMD';
  memoryGb: number;
  /** On-demand price per GPU; null where the type is not offered in that cloud. */
  usdPerHour: { secure: number | null; community: number | null };
  /** Spot (interruptible) price per GPU, as GraphQL reports it; null = none. */
  spotUsdPerHour: { secure: number | null; community: number | null };
  maxCount: { secure: number; community: number };
}

function gpu(id: string, name: string, memoryGb: number, secure: number | null, community: number | null, spot: [number | null, number | null], max: [number, number] = [8, 4]): SimGpuType {
  return { id, name, manufacturer: 'NVIDIA', memoryGb, usdPerHour: { secure, community }, spotUsdPerHour: { secure: spot[0], community: spot[1] }, maxCount: { secure: max[0], community: max[1] } };
}

export const DEFAULT_GPU_TYPES: SimGpuType[] = [
  gpu('NVIDIA GeForce RTX 4090', 'RTX 4090', 24, 0.69, 0.59, [0.49, 0.34]),
  gpu('NVIDIA GeForce RTX 3090', 'RTX 3090', 24, 0.43, 0.35, [null, 0.22]),
  gpu('NVIDIA RTX A4000', 'RTX A4000', 16, 0.32, 0.25, [null, null]),
  gpu('NVIDIA  RTX A4500', 'RTX A4500', 20, 0.34, null, [0.19, null], [8, 0]),
  gpu('NVIDIA RTX A5000', 'RTX A5000', 24, 0.29, 0.27, [null, null]),
  gpu('NVIDIA RTX A6000', 'RTX A6000', 48, 0.49, 0.44, [0.33, null]),
  gpu('NVIDIA RTX 6000 Ada Generation', 'RTX 6000 Ada', 48, 0.77, 0.74, [null, null]),
  gpu('NVIDIA L40S', 'L40S', 48, 0.86, 0.79, [0.43, null]),
  gpu('NVIDIA A100 80GB PCIe', 'A100 PCIe', 80, 1.39, 1.19, [null, 0.89]),
  gpu('NVIDIA A100-SXM4-80GB', 'A100 SXM', 80, 1.59, 1.39, [null, null]),
  gpu('NVIDIA H100 80GB HBM3', 'H100 SXM', 80, 2.99, 2.69, [null, null]),
  gpu('NVIDIA H100 PCIe', 'H100 PCIe', 80, 2.39, 1.99, [null, null]),
];

/** Where the scheduler places pods of each cloud (ids from docs/reference/runpod.md §2.3). */
export const DATA_CENTERS: Record<SimCloud, { id: string; name: string }> = {
  SECURE: { id: 'US-KS-2', name: 'US Kansas 2' },
  COMMUNITY: { id: 'EU-RO-1', name: 'EU Romania 1' },
};

export function cloudKey(cloud: SimCloud): 'secure' | 'community' {
  return cloud === 'SECURE' ? 'secure' : 'community';
}

export function priceOf(t: SimGpuType, cloud: SimCloud): number | null {
  return t.usdPerHour[cloudKey(cloud)];
}

export class Capacity {
  private readonly free = new Map<string, number>();
  /** Pools emptied "until they refused N creates", with the level to return to. */
  private readonly outages = new Map<string, { refusalsLeft: number; restoreTo: number }>();

  constructor(readonly types: SimGpuType[]) {
    // By default every pool holds as many GPUs as the largest machine: enough for a few pods at once.
    for (const t of types) for (const cloud of ['SECURE', 'COMMUNITY'] as const) this.free.set(key(t.id, cloud), priceOf(t, cloud) === null ? 0 : t.maxCount[cloudKey(cloud)]);
  }

  find(id: string): SimGpuType | undefined {
    return this.types.find((t) => t.id === id);
  }

  freeGpus(id: string, cloud: SimCloud): number {
    return this.free.get(key(id, cloud)) ?? 0;
  }

  /** Set a pool's free GPUs; with `restoreAfterRefusals` the old level returns once that many creates were refused. */
  set(id: string, cloud: SimCloud, free: number, restoreAfterRefusals?: number): void {
    const k = key(id, cloud);
    if (restoreAfterRefusals && restoreAfterRefusals > 0) this.outages.set(k, { refusalsLeft: restoreAfterRefusals, restoreTo: this.free.get(k) ?? 0 });
    else this.outages.delete(k);
    this.free.set(k, Math.max(0, Math.floor(free)));
  }

  /** Takes `count` GPUs; false (and counts a refusal) when the pool cannot place them. */
  take(id: string, cloud: SimCloud, count: number): boolean {
    const k = key(id, cloud);
    const free = this.free.get(k) ?? 0;
    if (free >= count) {
      this.free.set(k, free - count);
      return true;
    }
    const outage = this.outages.get(k);
    if (outage && --outage.refusalsLeft <= 0) {
      this.outages.delete(k);
      this.free.set(k, outage.restoreTo);
    }
    return false;
  }

  give(id: string, cloud: SimCloud, count: number): void {
    const k = key(id, cloud);
    const outage = this.outages.get(k);
    if (outage) outage.restoreTo += count;
    else this.free.set(k, (this.free.get(k) ?? 0) + count);
  }

  /** Stock level as the v2 catalog reports it, for a pod of `count` GPUs. */
  availability(id: string, cloud: SimCloud, count: number): Availability {
    const free = this.freeGpus(id, cloud);
    if (free < count) return 'NONE';
    if (free < 4) return 'LOW';
    if (free < 8) return 'MEDIUM';
    return 'HIGH';
  }

  snapshot(): { gpuTypeId: string; cloud: SimCloud; free: number }[] {
    return [...this.free.entries()].map(([k, free]) => {
      const [gpuTypeId, cloud] = k.split('|');
      return { gpuTypeId, cloud: cloud as SimCloud, free };
    });
  }
}

function key(id: string, cloud: SimCloud): string {
  return `${id}|${cloud}`;
}
