/**
 * Offers: v1 has no price or machine-type listing (docs/reference/paperspace.md §2). Each configured machine type × region is an
 * offer priced from the dated table below (GPUBURST_PAPERSPACE_PRICES overrides it), whose availability is asked live
 * via `GET /machine-availability`. Offers are `live: true` because availability is live; prices are configured.
 * This table is the only copy of Paperspace prices: the catalog (src/catalog) reads it too.
 */
import { BadInputError, GpuburstError } from '../errors';
import { mapLimit } from '../limit';
import type { ListOffersOptions, Offer } from '../types';
import type { PaperspaceApi } from './api';
import { offerMatches } from '../offer-filter';
import { gpuOfMachineType } from './mapping';

/** Where the prices below come from; the catalog (src/catalog) shows Paperspace rows from this table, not its own. */
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

const NY2 = 'East Coast (NY2)';
const CA1 = 'West Coast (CA1)';
const AMS1 = 'Europe (AMS1)';

/** Where each base type exists (DO docs "GPU availability by data center", docs/reference/paperspace.md §2); multi-GPU types follow their base. */
const REGIONS_BY_BASE_TYPE: Record<string, string[]> = {
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

function regionsOf(machineType: string): string[] {
  return REGIONS_BY_BASE_TYPE[machineType.replace(/x\d+$/, '')] ?? [];
}

export interface PriceRow {
  machineType: string;
  gpu: string;
  gpuCount: number;
  vramGb: number;
  usdPerHour: number;
}

/** The dated table as rows, for the catalog (src/catalog), so Paperspace prices exist in one place only. */
export function priceTable(): PriceRow[] {
  return Object.entries(DEFAULT_USD_PER_HOUR).flatMap(([machineType, usdPerHour]) => {
    const gpu = gpuOfMachineType(machineType);
    return gpu ? [{ machineType, ...gpu, usdPerHour }] : [];
  });
}

export interface OfferSettings {
  machineTypes: string[];
  usdPerHour: Record<string, number>;
  /** Ask every type in these regions instead of the documented table. */
  regions?: string[];
  offerConcurrency: number;
}

/** "A4000@East Coast (NY2)": machine-type labels and region names never contain '@'. */
function offerIdOf(machineType: string, region: string): string {
  return `${machineType}@${region}`;
}

export function parseOfferId(offerId: string): { machineType: string; region: string } {
  const at = offerId.indexOf('@');
  if (at <= 0 || at === offerId.length - 1) {
    throw new BadInputError(`paperspace: offer id "${offerId}" is not "<machineType>@<region>", e.g. "A4000@East Coast (NY2)"`, { provider: 'paperspace' });
  }
  return { machineType: offerId.slice(0, at), region: offerId.slice(at + 1) };
}

/** Every configured type × region with a price and a live availability answer; the caller applies the filter. */
export async function listOffers(api: PaperspaceApi, s: OfferSettings, opts: ListOffersOptions, log?: (line: string) => void): Promise<Offer[]> {
  // Paperspace has no spot or preemptible machines.
  if (opts.interruptible === true) return [];
  const candidates: Omit<Offer, 'available'>[] = [];
  for (const machineType of s.machineTypes) {
    const gpu = gpuOfMachineType(machineType);
    const usdPerHour = s.usdPerHour[machineType];
    if (!gpu || !usdPerHour) {
      log?.(`paperspace: skipping machine type ${machineType}: ${gpu ? 'no configured price' : 'not a known GPU type'}`);
      continue;
    }
    // Narrowed before asking availability (one request per type and region); the shared filter runs after.
    const draft = { provider: 'paperspace' as const, offerId: '', ...gpu, usdPerHour, interruptible: false, region: '', live: true, available: true };
    if (!offerMatches(draft, { ...opts, interruptible: undefined })) continue;
    for (const region of s.regions ?? regionsOf(machineType)) {
      candidates.push({
        provider: 'paperspace',
        offerId: offerIdOf(machineType, region),
        gpu: gpu.gpu,
        gpuCount: gpu.gpuCount,
        vramGb: gpu.vramGb,
        usdPerHour,
        interruptible: false,
        region,
        live: true,
      });
    }
  }
  const offers = await mapLimit(candidates, s.offerConcurrency, async (c) => {
    const { machineType, region } = parseOfferId(c.offerId);
    try {
      return { ...c, available: await api.isAvailable(machineType, region, opts.signal) };
    } catch (err) {
      // A type or region Paperspace does not know is skipped; auth, rate-limit and outages still fail the listing.
      if (err instanceof GpuburstError && (err.code === 'ERR_BAD_INPUT' || err.code === 'ERR_NOT_FOUND')) {
        log?.(`paperspace: availability of ${machineType} in ${region} refused: ${err.message}`);
        return undefined;
      }
      throw err;
    }
  });
  return offers.filter((o): o is Offer => o !== undefined);
}
