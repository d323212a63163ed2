/**
 * The simulated marketplace: hosts offering asks, rendered as Vast offers (field names and units of
 * search_offers.yaml: gpu_ram in MB, storage_cost in $/GB/month, dph_total including storage at
 * `allocated_storage`), and searched with Vast's query language (docs/reference/vast.md §2).
 */
import { matches, parseFilters, parseOrder, Row, sortRows } from './query';

export interface VastHost {
  /** Ask id = offer id. */
  id: number;
  machine_id: number;
  host_id: number;
  gpu_name: string;
  num_gpus: number;
  /** Per GPU, MB. */
  gpu_ram: number;
  /** $/h for the whole bundle, GPU only. */
  dph_base: number;
  /** $/GB/month. */
  storage_cost: number;
  /** Minimum interruptible price, $/h. */
  min_bid: number;
  inet_down: number;
  inet_up: number;
  geolocation: string;
  reliability: number;
  verified: boolean;
  direct_port_count: number;
  /** Rentals of this bundle the machine holds at once (free GPUs / num_gpus); rented when all are taken. */
  slots: number;
  /** Listed by the host. */
  rentable: boolean;
  /** False: listed, but an instance cannot start now (410 with cancel_unavail, docs/reference/vast.md §3). */
  startable: boolean;
  /** The next this-many creates lose the race to another renter (404 no_such_ask), then the ask is free again. */
  outracedCreates: number;
}

type HostSeed = Pick<VastHost, 'id' | 'gpu_name' | 'num_gpus' | 'gpu_ram' | 'dph_base' | 'min_bid' | 'geolocation'> & Partial<VastHost>;

function host(seed: HostSeed): VastHost {
  return {
    machine_id: seed.id - 20000,
    host_id: seed.id - 30000,
    storage_cost: 0.15,
    inet_down: 800,
    inet_up: 600,
    reliability: 0.995,
    verified: true,
    direct_port_count: 100,
    slots: 4,
    rentable: true,
    startable: true,
    outracedCreates: 0,
    ...seed,
  };
}

/** Prices in the range of docs/reference/throughput-and-prices.md (2026); an unverified and a full host show the filters work. */
export function defaultInventory(): VastHost[] {
  return [
    host({ id: 31001, gpu_name: 'RTX 4090', num_gpus: 1, gpu_ram: 24564, dph_base: 0.29, min_bid: 0.14, geolocation: 'Washington, US' }),
    host({ id: 31002, gpu_name: 'RTX 3090', num_gpus: 1, gpu_ram: 24576, dph_base: 0.17, min_bid: 0.08, geolocation: 'Quebec, CA' }),
    host({ id: 31003, gpu_name: 'RTX A5000', num_gpus: 1, gpu_ram: 24564, dph_base: 0.22, min_bid: 0.1, geolocation: 'Czechia, CZ' }),
    host({ id: 31004, gpu_name: 'A100 SXM4', num_gpus: 1, gpu_ram: 81920, dph_base: 1.05, min_bid: 0.6, geolocation: 'Texas, US' }),
    host({ id: 31005, gpu_name: 'H100 SXM', num_gpus: 1, gpu_ram: 81559, dph_base: 1.85, min_bid: 1.1, geolocation: 'Oregon, US', slots: 8 }),
    host({ id: 31006, gpu_name: 'RTX 4090', num_gpus: 2, gpu_ram: 24564, dph_base: 0.6, min_bid: 0.3, geolocation: 'Bavaria, DE', slots: 2 }),
    host({ id: 31007, gpu_name: 'RTX 6000Ada', num_gpus: 1, gpu_ram: 49140, dph_base: 0.75, min_bid: 0.45, geolocation: 'Ontario, CA' }),
    host({ id: 31008, gpu_name: 'RTX 3060', num_gpus: 1, gpu_ram: 12288, dph_base: 0.06, min_bid: 0.03, geolocation: 'Hanoi, VN', verified: false, reliability: 0.91 }),
    host({ id: 31009, gpu_name: 'L40S', num_gpus: 1, gpu_ram: 46068, dph_base: 0.69, min_bid: 0.4, geolocation: 'Virginia, US', slots: 0 }),
  ];
}

/** $/h of `diskGb` of storage on this host. */
export function storageUsdPerHour(h: VastHost, diskGb: number): number {
  return (h.storage_cost * diskGb) / (30 * 24);
}

/** One host as search returns it (a representative subset of the spec's offer fields). */
function renderOffer(h: VastHost, inUse: number, allocatedStorageGb: number): Row {
  const storageHour = storageUsdPerHour(h, allocatedStorageGb);
  const dphTotal = h.dph_base + storageHour;
  return {
    id: h.id,
    ask_contract_id: h.id,
    bundle_id: h.id * 10,
    machine_id: h.machine_id,
    host_id: h.host_id,
    gpu_name: h.gpu_name,
    num_gpus: h.num_gpus,
    gpu_ram: h.gpu_ram,
    gpu_total_ram: h.gpu_ram * h.num_gpus,
    gpu_arch: 'nvidia',
    compute_cap: 890,
    cuda_max_good: 12.8,
    cpu_cores: 32,
    cpu_cores_effective: 8 * h.num_gpus,
    cpu_ram: 64000,
    disk_space: 500,
    dph_base: h.dph_base,
    dph_total: dphTotal,
    storage_cost: h.storage_cost,
    storage_total_cost: storageHour,
    min_bid: h.min_bid,
    inet_down: h.inet_down,
    inet_up: h.inet_up,
    inet_down_cost: 0.005,
    inet_up_cost: 0.005,
    geolocation: h.geolocation,
    reliability: h.reliability,
    reliability2: h.reliability,
    verification: h.verified ? 'verified' : 'unverified',
    rentable: h.rentable,
    rented: inUse >= h.slots,
    external: false,
    is_bid: false,
    direct_port_count: h.direct_port_count,
    public_ipaddr: '127.0.0.1',
    score: (h.reliability * 1000) / Math.max(0.01, dphTotal),
    search: { gpuCostPerHour: h.dph_base, diskHour: storageHour, totalHour: dphTotal, discountTotalHour: 0, discountedTotalPerHour: dphTotal },
  };
}

/** Query fields that are not offer columns but the search accepts (the CLI's defaults use `verified`). */
const VIRTUAL_FIELDS = new Set(['verified']);
const CONTROL_KEYS = new Set(['order', 'limit', 'type', 'allocated_storage']);
const TYPES = new Set(['ondemand', 'on-demand', 'bid', 'interruptible', 'reserved']);
const DEFAULT_LIMIT = 64;

export interface SearchInput {
  hosts: VastHost[];
  inUse: (askId: number) => number;
  query: unknown;
}

/** Offers for a query, or an error message (a 400). */
export function search(input: SearchInput): Row[] | string {
  const q = input.query ?? {};
  if (typeof q !== 'object' || Array.isArray(q)) return 'the query must be a JSON object';
  const { order, limit, type, allocated_storage: storage, ...filterPart } = q as Row;
  const sample = renderOffer(input.hosts[0] ?? defaultInventory()[0], 0, 8);
  const known = (f: string) => f in sample || VIRTUAL_FIELDS.has(f) || CONTROL_KEYS.has(f);
  const filters = parseFilters(filterPart, known);
  if (typeof filters === 'string') return filters;
  const sortBy = parseOrder(order, (f) => f in sample);
  if (typeof sortBy === 'string') return sortBy;
  if (type !== undefined && !TYPES.has(String(type))) return `type must be one of ${[...TYPES].join(', ')}`;
  if (limit !== undefined && (!Number.isInteger(limit) || (limit as number) < 1)) return 'limit must be a positive integer';
  if (storage !== undefined && (typeof storage !== 'number' || storage < 0)) return 'allocated_storage must be a number of GB';
  const rows = input.hosts.map((h) => ({ ...renderOffer(h, input.inUse(h.id), (storage as number | undefined) ?? 8), verified: h.verified }));
  const found = sortRows(rows.filter((r) => matches(r, filters)), sortBy).slice(0, (limit as number | undefined) ?? DEFAULT_LIMIT);
  // `verified` is a query key, not an offer column.
  return found.map(({ verified: _v, ...offer }) => offer);
}
