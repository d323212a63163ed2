/**
 * The simulated account's catalog: regions (docs/reference/lambda.md §2, BREV's table) and instance types with the shape of
 * `InstanceType`. Prices follow the SkyPilot catalog v7 and 2026 figures in docs/reference/throughput-and-prices.md §3c; they
 * are sample data, not a price source. Each type lists the regions where it starts with free capacity.
 */
export interface SimRegion {
  name: string;
  description: string;
}

export interface SimInstanceType {
  name: string;
  description: string;
  gpu_description: string;
  price_cents_per_hour: number;
  specs: { vcpus: number; memory_gib: number; storage_gib: number; gpus: number };
}

export const REGIONS: SimRegion[] = [
  { name: 'us-west-1', description: 'California, USA' },
  { name: 'us-west-2', description: 'Arizona, USA' },
  { name: 'us-west-3', description: 'Utah, USA' },
  { name: 'us-south-1', description: 'Texas, USA' },
  { name: 'us-east-1', description: 'Virginia, USA' },
  { name: 'us-east-3', description: 'Washington D.C, USA' },
  { name: 'us-midwest-1', description: 'Illinois, USA' },
  { name: 'europe-central-1', description: 'Germany' },
  { name: 'asia-northeast-1', description: 'Osaka, Japan' },
];

/** Firewall rules "do not apply to the us-south-1 region" (docs/reference/lambda.md §5): every port of a VM there is reachable. */
export const NO_FIREWALL_REGIONS = new Set(['us-south-1']);

type Entry = [name: string, description: string, gpuDescription: string, cents: number, specs: [vcpus: number, memGib: number, diskGib: number, gpus: number], regions: string[]];

const ENTRIES: Entry[] = [
  ['cpu_4x_general', '4x CPU General', 'N/A', 20, [4, 16, 100, 0], ['us-west-1']],
  ['gpu_1x_rtx6000', '1x RTX 6000 (24 GB)', 'RTX 6000 (24 GB)', 50, [14, 46, 512, 1], ['us-west-1', 'us-south-1']],
  ['gpu_1x_a10', '1x A10 (24 GB PCIe)', 'A10 (24 GB PCIe)', 75, [30, 200, 1400, 1], ['us-west-1', 'us-east-1', 'us-south-1']],
  ['gpu_1x_a6000', '1x A6000 (48 GB)', 'A6000 (48 GB)', 80, [14, 46, 512, 1], ['us-west-1', 'us-midwest-1']],
  ['gpu_1x_a100_sxm4', '1x A100 (40 GB SXM4)', 'A100 (40 GB SXM4)', 129, [30, 200, 512, 1], ['us-east-1', 'us-west-2']],
  ['gpu_1x_gh200', '1x GH200 (96 GB)', 'GH200 (96 GB)', 149, [64, 432, 4096, 1], ['us-east-3']],
  ['gpu_8x_a100_80gb_sxm4', '8x A100 (80 GB SXM4)', 'A100 (80 GB SXM4)', 1432, [240, 1800, 19560, 8], ['us-west-3']],
  ['gpu_1x_h100_pcie', '1x H100 (80 GB PCIe)', 'H100 (80 GB PCIe)', 329, [26, 200, 1000, 1], ['us-west-3', 'europe-central-1']],
  // The scarcest type: sold out everywhere until a test or user adds capacity (docs/reference/lambda.md §10.1).
  ['gpu_8x_h100_sxm5', '8x H100 (80 GB SXM5)', 'H100 (80 GB SXM5)', 3192, [208, 1800, 24780, 8], []],
];

export const INSTANCE_TYPES: SimInstanceType[] = ENTRIES.map(([name, description, gpu_description, price_cents_per_hour, s]) => ({
  name,
  description,
  gpu_description,
  price_cents_per_hour,
  specs: { vcpus: s[0], memory_gib: s[1], storage_gib: s[2], gpus: s[3] },
}));

/** Regions where each type starts with free capacity. */
export const INITIAL_PLACEMENT: Record<string, string[]> = Object.fromEntries(ENTRIES.map((e) => [e[0], e[5]]));

export function regionByName(name: string): SimRegion | undefined {
  return REGIONS.find((r) => r.name === name);
}
