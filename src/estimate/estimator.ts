/**
 * The estimator: for a batch and a list of offers (catalog or live) plus the local RTX 3060, how long, how much,
 * and why. Pure: every input (catalog, offers, calibration, overrides) is passed in.
 */
import { BILLING } from '../../providers/billing';
import type { Catalog, CatalogProvider, ProviderTerms } from '../catalog/schema';
import type { PricedOffer } from '../catalog/offers';
import { catalogOffers } from '../catalog/offers';
import { billedSeconds, computeCostUsd, electricityCostUsd, storageCostUsd } from './billing';
import type { CalibrationEntry } from './calibration';
import type { PriceOverride, SpeedOverride } from './overrides';
import { lastMatching } from './overrides';
import { overheadFor } from './overhead';
import type { OverheadParts } from './overhead';
import { getProfile } from './profiles';
import { resolveSpeed } from './speed';
import type { Precision } from './throughput';

export interface Batch {
  model: string;
  images: number;
  steps: number;
  width: number;
  height: number;
  batchSize: number;
  precision: Precision;
  /**
   * The workflow's model is none the catalog has figures for (a video model, SD3, …): what was found. `model` is then
   * a stand-in whose speed can be far off; such a batch is never saved as a measurement of `model`.
   */
  unknownModel?: string;
  /** With `unknownModel`: the file the workflow loads its model from (`ckpt_name`, `unet_name`). */
  modelFile?: string;
  /** Its size, GB, when its server states one; then a VRAM floor above the profile's (src/session/batch-shape.ts). */
  modelGb?: number;
  minVramGb?: number;
}

export interface EstimateInput {
  batch: Batch;
  catalog: Catalog;
  /** Rows to estimate (default: every catalog offer, local and colab included). */
  offers?: PricedOffer[];
  prices?: PriceOverride[];
  speeds?: SpeedOverride[];
  calibration?: CalibrationEntry[];
  /** false: leave out boot, image pull, model download and load, teardown (render-only comparisons). */
  includeOverhead?: boolean;
  diskGb?: number;
  /** USD per kWh: adds the local GPU's electricity to the local row. */
  kwhPrice?: number;
  /** Local GPU power; default the catalog's board power. */
  localWatts?: number;
}

export interface EstimateRow {
  provider: CatalogProvider;
  gpu: string;
  variant?: string;
  gpuCount: number;
  vramGb: number;
  usdPerHour: number;
  usdPerMonth?: number;
  /**
   * A monthly subscription (Colab): its price is not a cost of this batch, so computeCostUsd, costUsd and
   * usdPerImage leave it out (0) and the row is never ranked or recommended; usdPerMonth says what it costs.
   */
  subscription: boolean;
  interruptible: boolean;
  live: boolean;
  offerId: string;
  /** false: estimate only (no provisioning API); `reason` says why. */
  provisionable: boolean;
  reason?: string;
  secondsPerImage: number;
  perImageOverheadSeconds: number | null;
  renderSeconds: number;
  overheadSeconds: number;
  overhead: OverheadParts;
  /** Compute seconds the provider bills, after its increment and minimum. */
  billedSeconds: number;
  computeCostUsd: number;
  storageCostUsd: number;
  electricityCostUsd?: number;
  costUsd: number;
  totalSeconds: number;
  usdPerImage: number;
  /** Local total wall time / this row's: above 1 is faster than rendering at home, overhead included. */
  speedupVsLocal: number | null;
  /** Local seconds per image / this row's: the GPU alone. */
  renderSpeedupVsLocal: number | null;
  /** Speed from a real cloud run on this provider and GPU. */
  calibrated: boolean;
  /** Speed measured on your own GPU (the local row only). */
  measuredLocally: boolean;
  overridden: { price: boolean; speed: boolean };
  priceSource: string;
  speedSource: string;
  source: string;
}

export interface SkippedOffer {
  provider: string;
  gpu: string;
  interruptible: boolean;
  reason: string;
}

export interface EstimateOutput {
  rows: EstimateRow[];
  skipped: SkippedOffer[];
  /** The local RTX 3060 row, computed even when it is not among `offers`, for speed-ups. */
  local?: EstimateRow;
}

export function estimate(input: EstimateInput): EstimateOutput {
  const all = catalogOffers(input.catalog);
  const localOffer = all.find((o) => o.provider === 'local');
  const skipped: SkippedOffer[] = [];
  const localSkipped: SkippedOffer[] = [];
  const local = localOffer ? rowFor(localOffer, input, undefined, localSkipped) : undefined;
  const rows: EstimateRow[] = [];
  for (const offer of input.offers ?? all) {
    if (offer.offerId === localOffer?.offerId) {
      if (local) rows.push(withSpeedup(local, local));
      else skipped.push(...localSkipped);
      continue;
    }
    const row = rowFor(offer, input, local, skipped);
    if (row) rows.push(withSpeedup(row, local));
  }
  return { rows, skipped, ...(local ? { local: withSpeedup(local, local) } : {}) };
}

function rowFor(offer: PricedOffer, input: EstimateInput, local: EstimateRow | undefined, skipped: SkippedOffer[]): EstimateRow | undefined {
  const { batch, catalog } = input;
  const profile = getProfile(batch.model);
  const terms = catalog.providers[offer.provider];
  const skip = (reason: string) => void skipped.push({ provider: offer.provider, gpu: offer.gpu, interruptible: offer.interruptible, reason });
  if (!terms) return skip(`no billing terms for ${offer.provider} in the catalog`);
  const billing = billingRuleOf(offer.provider, terms);
  if (!billing) return skip(`no billing rule for ${offer.provider}`);
  const speed = resolveSpeed({
    provider: offer.provider,
    gpu: offer.gpu,
    gpuCount: offer.gpuCount,
    profile,
    target: batch,
    catalog,
    speeds: input.speeds ?? [],
    calibration: input.calibration ?? [],
    localSecondsPerImage: local?.secondsPerImage,
  });
  if (!speed) return skip(`no throughput figure for ${offer.gpu} with ${profile.throughputModel}; give one with --speed`);
  const minVramGb = Math.max(profile.minVramGb, batch.minVramGb ?? 0);
  if (offer.vramGb < minVramGb && !speed.overridden) return skip(`${offer.vramGb} GB VRAM is below the ${minVramGb} GB ${batch.minVramGb && batch.modelFile ? batch.modelFile : profile.name} needs`);

  const price = lastMatching(input.prices ?? [], offer);
  const usdPerHour = price?.usdPerHour ?? offer.usdPerHour;
  const { parts: overhead, wallSeconds: overheadSeconds, billedSeconds: billedOverhead } = overheadFor(terms, profile, offer, input.includeOverhead !== false);
  const renderSeconds = batch.images * speed.secondsPerImage;
  const totalSeconds = overheadSeconds + renderSeconds;
  const computeCost = computeCostUsd(renderSeconds + billedOverhead, usdPerHour, billing);
  const storageCost = storageCostUsd(totalSeconds, input.diskGb ?? catalog.defaults.diskGb, terms.storage.usdPerGbMonthRunning, terms.storage.incrementSeconds);
  const watts = input.localWatts ?? catalog.gpus[offer.gpu]?.power?.boardWatts;
  const electricity =
    offer.provider === 'local' && input.kwhPrice !== undefined && watts !== undefined
      ? electricityCostUsd(renderSeconds + overhead.modelLoadSeconds, watts, input.kwhPrice)
      : undefined;
  // A subscription is paid per month whatever the batch does: nothing of it is this batch's cost.
  const subscription = offer.usdPerMonth !== undefined && !price;
  const batchComputeCost = subscription ? 0 : computeCost;
  const costUsd = batchComputeCost + storageCost + (electricity ?? 0);
  const priceSource = price ? `--price ${price.spec}` : `${offer.source} (${offer.date})`;
  const speedSource = speed.date && !speed.overridden && !speed.calibrated && !speed.measuredLocally ? `${speed.source} (${speed.date})` : speed.source;

  return {
    provider: offer.provider,
    gpu: offer.gpu,
    ...(offer.variant ? { variant: offer.variant } : {}),
    gpuCount: offer.gpuCount,
    vramGb: offer.vramGb,
    usdPerHour,
    ...(subscription ? { usdPerMonth: offer.usdPerMonth } : {}),
    subscription,
    interruptible: offer.interruptible,
    live: offer.live,
    offerId: offer.offerId,
    provisionable: terms.provisionable,
    ...(terms.reason ? { reason: terms.reason } : {}),
    secondsPerImage: speed.secondsPerImage,
    perImageOverheadSeconds: speed.perImageOverheadSeconds,
    renderSeconds,
    overheadSeconds,
    overhead,
    billedSeconds: subscription ? 0 : billedSeconds(renderSeconds + billedOverhead, billing),
    computeCostUsd: batchComputeCost,
    storageCostUsd: storageCost,
    ...(electricity !== undefined ? { electricityCostUsd: electricity } : {}),
    costUsd,
    totalSeconds,
    usdPerImage: costUsd / batch.images,
    speedupVsLocal: null,
    renderSpeedupVsLocal: null,
    calibrated: speed.calibrated,
    measuredLocally: speed.measuredLocally,
    overridden: { price: Boolean(price), speed: speed.overridden },
    priceSource,
    speedSource,
    source: `price: ${priceSource}; speed: ${speedSource}`,
  };
}

/** The one table (providers/billing.ts) for providers with an adapter; the catalog's rule for the others (Colab). */
function billingRuleOf(provider: CatalogProvider, terms: ProviderTerms): { incrementSeconds: number; minimumSeconds: number } | undefined {
  return provider in BILLING ? BILLING[provider as keyof typeof BILLING] : terms.billing;
}

function withSpeedup(row: EstimateRow, local: EstimateRow | undefined): EstimateRow {
  if (!local) return row;
  return { ...row, speedupVsLocal: local.totalSeconds / row.totalSeconds, renderSpeedupVsLocal: local.secondsPerImage / row.secondsPerImage };
}
