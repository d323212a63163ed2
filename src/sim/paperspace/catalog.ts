/**
 * What the simulated Paperspace account knows: regions, machine types with their rates, OS templates, disk sizes,
 * and where each type exists. Written from docs/reference/paperspace.md §2–§3 (the simulator's own copy: the real server has its
 * own table, it does not share the adapter's).
 */

export const REGIONS = ['East Coast (NY2)', 'West Coast (CA1)', 'Europe (AMS1)'] as const;
const [NY2, CA1, AMS1] = REGIONS;

export interface SimMachineType {
  label: string;
  /** USD per hour (usageRate), SkyPilot catalog v6 (docs/reference/paperspace.md §2). */
  usageRate: number;
  accelerator?: { name: string; count: number; memoryGb: number };
  cpus: number;
  ramGb: number;
  regions: readonly string[];
}

interface Base {
  usd: number;
  memoryGb?: number;
  cpus: number;
  ramGb: number;
  regions: readonly string[];
  counts: Record<number, number>;
}

// Base type → price per count (1 = the base label). Regions from the DO availability table; CPU types everywhere.
const BASES: Record<string, Base> = {
  H100: { usd: 5.95, memoryGb: 80, cpus: 15, ramGb: 80, regions: [NY2], counts: { 8: 47.6 } },
  'A100-80G': { usd: 3.18, memoryGb: 80, cpus: 12, ramGb: 80, regions: [NY2], counts: { 8: 25.44 } },
  'V100-32G': { usd: 2.3, memoryGb: 32, cpus: 8, ramGb: 30, regions: [NY2], counts: { 2: 4.6, 4: 9.2 } },
  V100: { usd: 2.29, memoryGb: 16, cpus: 8, ramGb: 30, regions: [NY2, AMS1], counts: {} },
  'GPU+': { usd: 0.45, memoryGb: 8, cpus: 8, ramGb: 30, regions: [NY2, AMS1], counts: {} },
  P4000: { usd: 0.51, memoryGb: 8, cpus: 8, ramGb: 32, regions: [NY2, AMS1, CA1], counts: { 2: 1.02 } },
  A4000: { usd: 0.76, memoryGb: 16, cpus: 8, ramGb: 32, regions: [NY2, AMS1, CA1], counts: { 2: 1.52, 4: 3.04 } },
  C5: { usd: 0.08, cpus: 4, ramGb: 8, regions: REGIONS, counts: {} },
  C6: { usd: 0.16, cpus: 8, ramGb: 16, regions: REGIONS, counts: {} },
  C7: { usd: 0.3, cpus: 12, ramGb: 30, regions: REGIONS, counts: {} },
  C8: { usd: 0.6, cpus: 16, ramGb: 60, regions: REGIONS, counts: {} },
  C9: { usd: 0.9, cpus: 24, ramGb: 120, regions: REGIONS, counts: {} },
};

export const MACHINE_TYPES: Record<string, SimMachineType> = {};
for (const [label, b] of Object.entries(BASES)) {
  const variants: [string, number, number][] = [[label, 1, b.usd], ...Object.entries(b.counts).map(([n, usd]): [string, number, number] => [`${label}x${n}`, Number(n), usd])];
  for (const [name, count, usd] of variants) {
    MACHINE_TYPES[name] = {
      label: name,
      usageRate: usd,
      accelerator: b.memoryGb ? { name: label, count, memoryGb: b.memoryGb } : undefined,
      cpus: b.cpus * count,
      ramGb: b.ramGb * count,
      regions: b.regions,
    };
  }
}

/** Disk sizes the legacy UI offered (docs/reference/paperspace.md §3, unverified for v1 [I]); configurable in the sim options. */
export const DISK_SIZES_GB = [50, 100, 250, 500, 1000, 2000];

/** Storage: "starting at 50GB for $5/month" (docs/reference/paperspace.md §6) → USD per GB-month, billed per hour of a 730 h month. */
export const STORAGE_USD_PER_GB_MONTH = 0.1;
export const HOURS_PER_MONTH = 730;

/** The legacy capacity wording, verbatim (docs/reference/paperspace.md §4). */
export const CAPACITY_ERROR = "Uh oh. This machine type can't start due to insufficient capacity or higher than normal demand. Please try again later.";

export interface SimTemplate {
  id: string;
  name: string;
  agentType: string;
  operatingSystemLabel: string;
  defaultSizeGb: number;
  dtCreated: string;
  availableMachineTypes: { machineTypeLabel: string; isAvailable: boolean }[];
}

const GPU_TYPES = Object.keys(MACHINE_TYPES).filter((t) => MACHINE_TYPES[t].accelerator);

function template(id: string, name: string, os: string, types: string[]): SimTemplate {
  return {
    id,
    name,
    agentType: 'LinuxHeadless',
    operatingSystemLabel: os,
    defaultSizeGb: 50,
    dtCreated: '2024-01-15T00:00:00.000Z',
    availableMachineTypes: types.map((machineTypeLabel) => ({ machineTypeLabel, isAvailable: true })),
  };
}

/** Template names from SkyPilot's Paperspace constants; ids illustrative. H100 needs the 22.04 images [I]. */
export const TEMPLATES: SimTemplate[] = [
  template('t0nspur5', 'Ubuntu 22.04 Server', 'Ubuntu 22.04', Object.keys(MACHINE_TYPES)),
  template('tqqsxr6b', 'Ubuntu 22.04 MLaiB', 'Ubuntu 22.04', GPU_TYPES),
  template('twnlo3zj', 'Ubuntu 20.04 MLaiB', 'Ubuntu 20.04', GPU_TYPES.filter((t) => !t.startsWith('H100'))),
];
