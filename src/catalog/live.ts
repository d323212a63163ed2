/**
 * Offers from every cloud whose key is set, read in parallel; clouds without a key (or whose read failed) fall back
 * to the bundled catalog rows, marked `live: false`. One cloud failing never hides the others.
 */
import { hasKey, providerFromEnv } from '../../providers/index';
import { GpuburstError } from '../../providers/errors';
import { redact } from '../../providers/redact';
import { CLOUD_PROVIDERS, CloudProviderName, Provider } from '../../providers/types';
import { catalogOffers, fromLiveOffer, PricedOffer } from './offers';
import type { Catalog } from './schema';

export interface OfferError {
  provider: CloudProviderName;
  code: string;
  message: string;
}

export interface CollectOffersOptions {
  catalog: Catalog;
  env: NodeJS.ProcessEnv;
  /** Catalog only, no network. */
  offline?: boolean;
  /** Clouds to read (default: all four). */
  clouds?: readonly CloudProviderName[];
  log?: (line: string) => void;
  /** How to build an adapter; tests inject fakes. */
  makeProvider?: (name: CloudProviderName, env: NodeJS.ProcessEnv, log?: (line: string) => void) => Provider;
  /** YYYY-MM-DD stamped on live rows. */
  today?: string;
}

export interface CollectedOffers {
  /** Cloud offers only: live where read, catalog rows otherwise. */
  offers: PricedOffer[];
  errors: OfferError[];
  /** Clouds whose offers were read live. */
  live: CloudProviderName[];
}

export async function collectOffers(opts: CollectOffersOptions): Promise<CollectedOffers> {
  const clouds = opts.clouds ?? CLOUD_PROVIDERS;
  const fromCatalog = catalogOffers(opts.catalog);
  const make = opts.makeProvider ?? providerFromEnv;
  const today = opts.today ?? new Date().toISOString().slice(0, 10);
  const known = Object.keys(opts.catalog.gpus);
  const keyed = opts.offline ? [] : clouds.filter((c) => hasKey(c, opts.env));

  const settled = await Promise.allSettled(
    keyed.map(async (name) => (await make(name, opts.env, opts.log).listOffers({})).map((o) => fromLiveOffer(o, known, today))),
  );

  const offers: PricedOffer[] = [];
  const errors: OfferError[] = [];
  const live: CloudProviderName[] = [];
  for (const name of clouds) {
    const i = keyed.indexOf(name);
    const result = i >= 0 ? settled[i] : undefined;
    if (result?.status === 'fulfilled') {
      live.push(name);
      offers.push(...result.value);
      continue;
    }
    if (result?.status === 'rejected') errors.push(describe(name, result.reason));
    offers.push(...fromCatalog.filter((o) => o.provider === name));
  }
  return { offers, errors, live };
}

function describe(provider: CloudProviderName, err: unknown): OfferError {
  if (err instanceof GpuburstError) return { provider, code: err.code, message: redact(err.message) };
  const message = err instanceof Error ? err.message : String(err);
  return { provider, code: 'ERR_UNEXPECTED', message: redact(message.split('\n')[0]) };
}
