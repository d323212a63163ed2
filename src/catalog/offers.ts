/** Catalog rows and live provider offers in one shape, for `offers` and the estimator. */
import { PRICE_DATE, PRICE_SOURCE, priceTable } from '../../providers/paperspace/offers';
import type { Offer } from '../../providers/types';
import { canonicalGpu } from './gpu-names';
import type { Catalog, CatalogProvider } from './schema';

/** A subscription month, for turning usdPerMonth into usdPerHour. */
const HOURS_PER_MONTH = 30 * 24;

export interface PricedOffer {
  provider: CatalogProvider;
  gpu: string;
  /** PCIe / SXM where the price differs. */
  variant?: string;
  gpuCount: number;
  /** Per GPU. */
  vramGb: number;
  /** Whole machine, all GPUs. */
  usdPerHour: number;
  usdPerMonth?: number;
  interruptible: boolean;
  /** null when unknown (catalog rows). */
  region: string | null;
  available: boolean | null;
  offerId: string;
  /** Read from the provider's API just now; false for catalog rows. */
  live: boolean;
  downloadMbps?: number;
  /** Date of the price (YYYY[-MM[-DD]]). */
  date: string;
  source: string;
}

export function catalogOffers(catalog: Catalog): PricedOffer[] {
  return [...catalog.offers.map((o) => ({
    provider: o.provider,
    gpu: o.gpu,
    ...(o.variant ? { variant: o.variant } : {}),
    gpuCount: o.gpuCount,
    vramGb: catalog.gpus[o.gpu].vramGb,
    usdPerHour: o.usdPerHour ?? (o.usdPerMonth ?? 0) / HOURS_PER_MONTH,
    ...(o.usdPerMonth !== undefined ? { usdPerMonth: o.usdPerMonth } : {}),
    interruptible: o.interruptible,
    region: null,
    available: null,
    offerId: catalogOfferId(o.provider, o.gpu, o.variant, o.interruptible),
    live: false,
    date: o.date,
    source: o.source,
  })), ...paperspaceOffers(catalog)];
}

/**
 * Paperspace has no price API, so its adapter keeps the one dated price table (providers/paperspace/offers.ts); the
 * catalog shows its single-GPU rows for the cards the catalog knows, instead of a second copy of the prices.
 */
function paperspaceOffers(catalog: Catalog): PricedOffer[] {
  if (!catalog.providers.paperspace) return [];
  return priceTable()
    .filter((r) => r.gpuCount === 1 && catalog.gpus[r.gpu])
    .map((r) => ({
      provider: 'paperspace' as const,
      gpu: r.gpu,
      gpuCount: 1,
      vramGb: catalog.gpus[r.gpu].vramGb,
      usdPerHour: r.usdPerHour,
      interruptible: false,
      region: null,
      available: null,
      offerId: catalogOfferId('paperspace', r.gpu, undefined, false),
      live: false,
      date: PRICE_DATE,
      source: `${PRICE_SOURCE}; machine type ${r.machineType}`,
    }));
}

function catalogOfferId(provider: string, gpu: string, variant: string | undefined, interruptible: boolean): string {
  const slug = [gpu, variant].filter(Boolean).join('-').toLowerCase().replace(/[^a-z0-9]+/g, '-');
  return `catalog:${provider}:${slug}${interruptible ? ':interruptible' : ''}`;
}

/** A live offer from an adapter; its GPU name is mapped onto the catalog's when they name the same card. */
export function fromLiveOffer(offer: Offer, knownGpus: readonly string[], today: string): PricedOffer {
  return {
    provider: offer.provider as CatalogProvider,
    gpu: canonicalGpu(offer.gpu, knownGpus) ?? offer.gpu,
    gpuCount: offer.gpuCount,
    vramGb: offer.vramGb,
    usdPerHour: offer.usdPerHour,
    interruptible: offer.interruptible,
    region: offer.region,
    available: offer.available,
    offerId: offer.offerId,
    live: true,
    ...(offer.downloadMbps !== undefined ? { downloadMbps: offer.downloadMbps } : {}),
    date: today,
    source: `live ${offer.provider} API`,
  };
}
