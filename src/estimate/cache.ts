/**
 * What a model cache adds to an estimate: its storage, pro-rated to the session's wall time (it bills by the hour
 * while it exists, whatever runs), the monthly figure it keeps billing until deleted, and what a session whose
 * models are already on it saves (the model download, on every machine, at the machine's rate).
 */
import { HOURS_PER_MONTH } from '../../providers/billing';

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
