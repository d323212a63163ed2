/**
 * What a model cache adds to an estimate: its storage, pro-rated to the session's wall time (it bills by the hour
 * while it exists, whatever runs), the monthly figure it keeps billing until deleted, and what a session whose
 * models are already on it saves (the model download, on every machine, at the machine's rate).
 */
import { CACHE_STORAGE, cacheUsdPerMonth, HOURS_PER_MONTH } from '../../providers/billing';
import type { ProviderName } from '../../providers/types';
import type { EstimateRow } from './estimator';

export interface CacheCost {
  usdPerMonth: number;
  /** Storage during this session's estimated wall time. */
  sessionUsd: number;
  /** Download time a later session skips on each machine once the models are on the cache. */
  savedDownloadSeconds: number;
  /** That time at the machines' rate, for the whole session (all pods). */
  savedUsd: number;
}

export function cacheCost(i: { usdPerMonth: number; sessionSeconds: number; downloadSeconds: number; usdPerHour: number; pods: number }): CacheCost {
  const sessionUsd = (i.usdPerMonth * i.sessionSeconds) / 3600 / HOURS_PER_MONTH;
  return {
    usdPerMonth: i.usdPerMonth,
    sessionUsd,
    savedDownloadSeconds: i.downloadSeconds,
    savedUsd: (i.downloadSeconds / 3600) * i.usdPerHour * i.pods,
  };
}

export interface CacheEstimate extends CacheCost {
  provider: string;
  gpu: string;
  gb: number;
  /** The batch's cost on that row, which the storage sits beside. */
  batchUsd: number;
}

/** `estimate --cache-gb`: for each provider with caches, its cheapest row with a cache of `gb` beside it. */
export function cacheEstimates(rows: readonly EstimateRow[], gb: number): CacheEstimate[] {
  const out: CacheEstimate[] = [];
  for (const provider of Object.keys(CACHE_STORAGE) as ProviderName[]) {
    const row = rows.filter((r) => r.provider === provider && r.provisionable && !r.subscription).sort((a, b) => a.costUsd - b.costUsd)[0];
    if (!row) continue;
    const cost = cacheCost({ usdPerMonth: cacheUsdPerMonth(provider, gb), sessionSeconds: row.totalSeconds, downloadSeconds: row.overhead.modelDownloadSeconds, usdPerHour: row.usdPerHour, pods: 1 });
    out.push({ provider, gpu: row.gpu, gb, batchUsd: row.costUsd, ...cost });
  }
  return out;
}
