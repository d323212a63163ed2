/**
 * Paperspace v1 has no price or machine-type listing (paperspace.md §2), so prices come from this dated table and
 * regions from the documented availability table; availability itself is asked live per type and region.
 * Override prices with GPUBURST_PAPERSPACE_PRICES='{"A4000":0.80}'.
 */
import { BadInputError } from '../errors';

export const PRICE_SOURCE = 'skypilot-org/skypilot-catalog catalogs/v6/paperspace/vms.csv @ e5200541 (East Coast (NY2), 2024-era)';
export const PRICE_DATE = '2024';

/** On-demand USD per hour of the whole machine, by machine-type label. CPU-only types (C5…C9) are left out. */
export const DEFAULT_USD_PER_HOUR: Record<string, number> = {
  H100: 5.95,
  H100x8: 47.6,
  'A100-80G': 3.18,
  'A100-80Gx8': 25.44,
  'V100-32G': 2.3,
  'V100-32Gx2': 4.6,
  'V100-32Gx4': 9.2,
  V100: 2.29,
  'GPU+': 0.45,
  P4000: 0.51,
  P4000x2: 1.02,
  A4000: 0.76,
  A4000x2: 1.52,
  A4000x4: 3.04,
};

export const NY2 = 'East Coast (NY2)';
export const CA1 = 'West Coast (CA1)';
export const AMS1 = 'Europe (AMS1)';

/** Where each base type exists (DO docs "GPU availability by data center", paperspace.md §2); multi-GPU types follow their base. */
export const REGIONS_BY_BASE_TYPE: Record<string, string[]> = {
  'GPU+': [NY2, AMS1],
  P4000: [NY2, AMS1, CA1],
  P5000: [NY2, AMS1, CA1],
  P6000: [NY2, AMS1, CA1],
  RTX4000: [NY2, AMS1, CA1],
  RTX5000: [NY2],
  A4000: [NY2, AMS1, CA1],
  A5000: [NY2, CA1],
  A6000: [NY2, CA1],
  V100: [NY2, AMS1],
  'V100-32G': [NY2],
  A100: [NY2],
  'A100-80G': [NY2],
  H100: [NY2],
};

export function regionsOf(machineType: string): string[] {
  return REGIONS_BY_BASE_TYPE[machineType.replace(/x\d+$/, '')] ?? [];
}

/** Parses the PRICES override: a JSON object of machine type → USD per hour (positive numbers only). */
export function parsePriceOverride(json: string | undefined): Record<string, number> {
  if (!json?.trim()) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new BadInputError('paperspace: GPUBURST_PAPERSPACE_PRICES is not valid JSON; expected e.g. {"A4000":0.76}');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new BadInputError('paperspace: GPUBURST_PAPERSPACE_PRICES must be a JSON object of machine type → USD per hour');
  const out: Record<string, number> = {};
  for (const [type, price] of Object.entries(parsed)) {
    if (typeof price !== 'number' || !(price > 0)) throw new BadInputError(`paperspace: GPUBURST_PAPERSPACE_PRICES: price of "${type}" must be a positive number`);
    out[type] = price;
  }
  return out;
}
