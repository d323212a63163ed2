/**
 * Time around the render: machine boot, image pull, model download (at the offer's bandwidth), model load,
 * teardown. All of it is wall time; the provider bills only the parts its terms say it bills.
 */
import type { PricedOffer } from '../catalog/offers';
import type { ProviderTerms } from '../catalog/schema';
import type { ModelProfile } from './profiles';

export interface OverheadParts {
  bootSeconds: number;
  imagePullSeconds: number;
  modelDownloadSeconds: number;
  modelLoadSeconds: number;
  teardownSeconds: number;
}

export interface Overhead {
  parts: OverheadParts;
  wallSeconds: number;
  /** The part of wallSeconds the provider bills as compute. */
  billedSeconds: number;
}

const NONE: OverheadParts = { bootSeconds: 0, imagePullSeconds: 0, modelDownloadSeconds: 0, modelLoadSeconds: 0, teardownSeconds: 0 };

export function overheadFor(terms: ProviderTerms, profile: ModelProfile, offer: Pick<PricedOffer, 'downloadMbps'>, include = true): Overhead {
  const t = terms.timing;
  // A live offer's own bandwidth (Mbit/s) beats the provider default (MB/s).
  const megabytesPerSecond = offer.downloadMbps ? offer.downloadMbps / 8 : terms.download.megabytesPerSecond;
  const parts: OverheadParts = include
    ? {
        bootSeconds: t.bootSeconds,
        imagePullSeconds: t.imagePullSeconds,
        modelDownloadSeconds: terms.modelPreinstalled ? 0 : (profile.modelDownloadGb * 1000) / megabytesPerSecond,
        modelLoadSeconds: profile.modelLoadSeconds,
        teardownSeconds: t.teardownSeconds,
      }
    : NONE;
  const wallSeconds = Object.values(parts).reduce((a, b) => a + b, 0);
  const unbilled =
    (t.bootBilled ? 0 : parts.bootSeconds) + (t.imagePullBilled ? 0 : parts.imagePullSeconds) + (t.teardownBilled ? 0 : parts.teardownSeconds);
  return { parts, wallSeconds, billedSeconds: wallSeconds - unbilled };
}
