/**
 * Offer search: our filters → Vast's query language (`POST /bundles/`, docs/reference/vast.md §2), and Vast offers → `Offer`.
 * One ask yields an on-demand offer (`dph_total`) and an interruptible one (`min_bid`): every Vast ask can be
 * rented either way, as gpuhunt reads it. The offer id carries the ask id and, for a bid, the price to bid.
 */
import { minHostCuda } from '../images';
import { BadInputError } from '../errors';
import type { ListOffersOptions, Offer } from '../types';
import type { OfferQuery, VastOffer } from './api';
import { gpuName, vastNamesFor } from './mapping';
import type { VastSettings } from './settings';

export interface ParsedOfferId {
  askId: number;
  /** Bid price in $/h for an interruptible rental; undefined for on-demand. */
  bidUsdPerHour?: number;
}

/** `"12345"` (on-demand) or `"12345:bid:0.1234"` (interruptible at that price). */
export function formatOfferId(askId: number, bidUsdPerHour?: number): string {
  return bidUsdPerHour === undefined ? String(askId) : `${askId}:bid:${bidUsdPerHour}`;
}

export function parseOfferId(offerId: string): ParsedOfferId {
  const m = /^(\d+)(?::bid:(\d+(?:\.\d+)?(?:e-?\d+)?))?$/.exec(offerId.trim());
  if (!m) throw new BadInputError(`vast: offer id "${offerId}" is not a Vast offer id ("<ask id>" or "<ask id>:bid:<usd per hour>")`, { provider: 'vast' });
  return { askId: Number(m[1]), bidUsdPerHour: m[2] === undefined ? undefined : Number(m[2]) };
}

export function buildOfferQuery(opts: ListOffersOptions, s: VastSettings): OfferQuery {
  const q: OfferQuery = {
    verified: { eq: true },
    rentable: { eq: true },
    rented: { eq: false },
    external: { eq: false },
    // ComfyUI is reached on a directly mapped port (docs/reference/vast.md §5).
    direct_port_count: { gte: 1 },
  };
  if (s.minReliability > 0) q.reliability = { gte: s.minReliability };
  if (s.minInetDown > 0) q.inet_down = { gte: s.minInetDown };
  // A host driver older than the image's CUDA major version cannot start the container (reference §1.5 item 2).
  q.cuda_max_good = { gte: minHostCuda('vast') };
  if (opts.gpu) q.gpu_name = { in: vastNamesFor(opts.gpu) };
  // Memory is in MB; the official CLI multiplies GB by 1000 (docs/reference/vast.md §2).
  if (opts.minVramGb !== undefined) q.gpu_ram = { gte: opts.minVramGb * 1000 };
  if (opts.gpuCount !== undefined) q.num_gpus = { eq: opts.gpuCount };
  if (opts.maxUsdPerHour !== undefined && opts.interruptible === false) q.dph_total = { lte: opts.maxUsdPerHour };
  q.order = [['dph_total', 'asc']];
  q.type = opts.interruptible === true ? 'bid' : 'ondemand';
  q.allocated_storage = s.offerDiskGb;
  q.limit = s.offerLimit;
  return q;
}

export function toOffers(raw: VastOffer[], opts: ListOffersOptions): Offer[] {
  const out: Offer[] = [];
  for (const o of raw) {
    const base = {
      provider: 'vast' as const,
      gpu: gpuName(o.gpu_name, o.gpu_ram),
      gpuCount: o.num_gpus,
      vramGb: Math.round(o.gpu_ram / 1024),
      region: o.geolocation?.trim() || 'unknown',
      available: o.rentable !== false && o.rented !== true,
      live: true,
      // Vast's spec says MB/s, its own templates treat it as Mbps (docs/reference/vast.md §2); passed on as reported.
      downloadMbps: o.inet_down,
    };
    if (opts.interruptible !== true && o.dph_total > 0) {
      out.push({ ...base, offerId: formatOfferId(o.id), usdPerHour: o.dph_total, interruptible: false });
    }
    if (opts.interruptible !== false && o.min_bid > 0) {
      // A bid pays for the GPU only; the disk bills on top at the offer's storage rate.
      const storageUsdPerHour = Math.max(0, o.dph_total - o.dph_base);
      out.push({ ...base, offerId: formatOfferId(o.id, o.min_bid), usdPerHour: round6(o.min_bid + storageUsdPerHour), interruptible: true });
    }
  }
  return out;
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
