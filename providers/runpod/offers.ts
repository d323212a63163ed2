/**
 * Offers from the v2 catalog (on-demand, one per GPU type × cloud) and GraphQL spot prices (interruptible; listed
 * for the estimator, never created: v2 has no spot create, docs/reference/runpod.md §1). An offerId is
 * `<gpuTypeId>|<SECURE|COMMUNITY>|<count>` with `|spot` appended for interruptible offers.
 */
import { BadInputError } from '../errors';
import type { Offer } from '../types';
import type { Cloud, GpuType, SpotPrice } from './api';
import { gpuName } from './mapping';

const CLOUDS: Cloud[] = ['SECURE', 'COMMUNITY'];

export interface OfferRef {
  gpuTypeId: string;
  cloud: Cloud;
  count: number;
  spot: boolean;
}

export function encodeOfferId(ref: OfferRef): string {
  return [ref.gpuTypeId, ref.cloud, String(ref.count), ...(ref.spot ? ['spot'] : [])].join('|');
}

export function parseOfferId(offerId: string): OfferRef {
  const parts = offerId.split('|');
  const [gpuTypeId, cloud, count, flag] = parts;
  const n = Number(count);
  const valid = parts.length >= 3 && parts.length <= 4 && gpuTypeId && (cloud === 'SECURE' || cloud === 'COMMUNITY') && Number.isInteger(n) && n >= 1 && (flag === undefined || flag === 'spot');
  if (!valid) {
    throw new BadInputError(`runpod: offer id "${offerId}" is not a RunPod offer (expected "<GPU type id>|SECURE|<count>" or "…|COMMUNITY|<count>")`, { provider: 'runpod' });
  }
  return { gpuTypeId, cloud: cloud as Cloud, count: n, spot: flag === 'spot' };
}

/** The per-cloud catalog reads, keyed by cloud: availability is only reported for the cloud asked about. */
export type CatalogByCloud = Record<Cloud, GpuType[]>;

function cloudKey(cloud: Cloud): 'secure' | 'community' {
  return cloud === 'SECURE' ? 'secure' : 'community';
}

function isAvailable(t: GpuType | undefined, cloud: Cloud, count: number): boolean {
  if (!t) return false;
  return t[cloudKey(cloud)] && t.maxCount[cloudKey(cloud)] >= count && t.availability !== undefined && t.availability !== 'NONE';
}

function base(t: GpuType, cloud: Cloud, count: number): Omit<Offer, 'offerId' | 'usdPerHour' | 'interruptible'> {
  return {
    provider: 'runpod',
    gpu: gpuName(t.id, t.memory),
    gpuCount: count,
    vramGb: t.memory,
    // Create does not pin a data center (the scheduler picks one), so the cloud tier is the meaningful "where".
    region: cloud.toLowerCase(),
    available: isAvailable(t, cloud, count),
    live: true,
  };
}

/**
 * With `dataCenter` (a network volume's), only types listed in that data center, available as it reports them; the
 * create then pins the pod there (machine.ts).
 */
export function onDemandOffers(catalog: CatalogByCloud, count: number, dataCenter?: string): Offer[] {
  const offers: Offer[] = [];
  for (const cloud of CLOUDS) {
    for (const t of catalog[cloud]) {
      const perGpu = t.price[cloudKey(cloud)];
      if (!t[cloudKey(cloud)] || !(perGpu > 0)) continue;
      const offer: Offer = { ...base(t, cloud, count), offerId: encodeOfferId({ gpuTypeId: t.id, cloud, count, spot: false }), usdPerHour: round(perGpu * count), interruptible: false };
      if (dataCenter !== undefined) {
        const here = t.dataCenters?.find((d) => d.id === dataCenter);
        if (!here) continue;
        offer.region = dataCenter;
        offer.available = offer.available && here.availability !== 'NONE';
      }
      offers.push(offer);
    }
  }
  return offers;
}

/** Spot offers: the price from GraphQL, the rest (VRAM, availability) from the v2 catalog of the same cloud. */
export function spotOffers(catalog: CatalogByCloud, spot: SpotPrice[], count: number): Offer[] {
  const offers: Offer[] = [];
  for (const cloud of CLOUDS) {
    const byId = new Map(catalog[cloud].map((t) => [t.id, t]));
    for (const s of spot) {
      const perGpu = cloud === 'SECURE' ? s.secureSpotPrice : s.communitySpotPrice;
      if (typeof perGpu !== 'number' || !(perGpu > 0)) continue;
      const t = byId.get(s.id) ?? fromSpot(s);
      offers.push({ ...base(t, cloud, count), offerId: encodeOfferId({ gpuTypeId: s.id, cloud, count, spot: true }), usdPerHour: round(perGpu * count), interruptible: true });
    }
  }
  return offers;
}

/** A spot-only type missing from the v2 catalog: known name and memory, availability unknown (so not available). */
function fromSpot(s: SpotPrice): GpuType {
  return {
    id: s.id,
    name: s.displayName,
    manufacturer: '',
    memory: s.memoryInGb,
    secure: s.secureCloud,
    community: s.communityCloud,
    price: { secure: 0, community: 0 },
    maxCount: { secure: 0, community: 0 },
  };
}

/** Cents-and-below noise from multiplying float prices. */
function round(usd: number): number {
  return Math.round(usd * 10_000) / 10_000;
}
