/**
 * ListOffersOptions applied the same way for every provider, after the adapter turned live offers into `Offer`s.
 * Adapters may also narrow their query server-side (Vast's search language), but this filter has the last word, so
 * the same options give the same kind of result everywhere.
 */
import { gpuKey } from './gpus';
import type { ListOffersOptions, Offer } from './types';

export function offerMatches(offer: Offer, opts: ListOffersOptions): boolean {
  // A normalized name (providers/gpus.ts), compared ignoring case and spacing: "rtx 4090" keeps "RTX 4090".
  if (opts.gpu !== undefined && opts.gpu.trim() !== '' && gpuKey(offer.gpu) !== gpuKey(opts.gpu)) return false;
  if (opts.minVramGb !== undefined && offer.vramGb < opts.minVramGb) return false;
  if (opts.maxUsdPerHour !== undefined && offer.usdPerHour > opts.maxUsdPerHour) return false;
  if (opts.interruptible !== undefined && offer.interruptible !== opts.interruptible) return false;
  if (opts.gpuCount !== undefined && offer.gpuCount !== opts.gpuCount) return false;
  if (opts.region !== undefined && offer.region !== opts.region) return false;
  return true;
}

/** The offers that satisfy every given option, cheapest first (ties keep the adapter's order). */
export function filterOffers(offers: Offer[], opts: ListOffersOptions): Offer[] {
  return offers.filter((o) => offerMatches(o, opts)).sort((a, b) => a.usdPerHour - b.usdPerHour);
}
