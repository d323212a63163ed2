/**
 * The recommendation: the cheapest row, the fastest row, and the best row within the user's limits — the cheapest
 * that meets a deadline (and cost cap), or, with only a cost cap, the fastest within it. Estimate-only rows (Colab)
 * are shown but never recommended: gpuburst cannot run them.
 */
import { BadInputError } from '../../providers/errors';
import { formatDuration } from './duration';
import type { EstimateRow } from './estimator';
import { formatUsd, formatUsdPair } from './money';

export interface Limits {
  maxCostUsd?: number;
  deadlineSeconds?: number;
}

export interface Pick {
  provider: string;
  gpu: string;
  variant?: string;
  interruptible: boolean;
  offerId: string;
  costUsd: number;
  totalSeconds: number;
  usdPerImage: number;
}

export interface Recommendation {
  cheapest: Pick | null;
  fastest: Pick | null;
  withinLimits: Pick | null;
  limits: Limits;
}

/** Cheapest first, then fastest; subscriptions (no batch cost to compare) after every pay-per-use row. */
export function compareRows(a: EstimateRow, b: EstimateRow): number {
  return Number(a.subscription) - Number(b.subscription) || a.costUsd - b.costUsd || a.totalSeconds - b.totalSeconds;
}
const byCost = compareRows;
const byTime = (a: EstimateRow, b: EstimateRow) => a.totalSeconds - b.totalSeconds || a.costUsd - b.costUsd;

function pick(row: EstimateRow): Pick {
  const { provider, gpu, variant, interruptible, offerId, costUsd, totalSeconds, usdPerImage } = row;
  return { provider, gpu, ...(variant ? { variant } : {}), interruptible, offerId, costUsd, totalSeconds, usdPerImage };
}

export function label(row: Pick | EstimateRow): string {
  return `${row.provider} ${row.gpu}${row.variant ? ' ' + row.variant : ''}${row.interruptible ? ' (interruptible)' : ''}`;
}

/** Throws BadInputError, saying why, when limits are given and no row meets them. */
export function recommend(rows: readonly EstimateRow[], limits: Limits): Recommendation {
  const runnable = rows.filter((r) => r.provisionable && !r.subscription);
  const cheapest = [...runnable].sort(byCost)[0];
  const fastest = [...runnable].sort(byTime)[0];
  const hasLimits = limits.maxCostUsd !== undefined || limits.deadlineSeconds !== undefined;
  let within: EstimateRow | undefined;
  if (hasLimits && !runnable.length) throw new BadInputError('--max-cost/--deadline: every row left is estimate-only (Colab); add a provider gpuburst can run');
  if (hasLimits) {
    const fits = runnable.filter(
      (r) => (limits.maxCostUsd === undefined || r.costUsd <= limits.maxCostUsd) && (limits.deadlineSeconds === undefined || r.totalSeconds <= limits.deadlineSeconds),
    );
    within = [...fits].sort(limits.deadlineSeconds !== undefined ? byCost : byTime)[0];
    if (!within) throw new BadInputError(nothingFits(runnable, limits));
  }
  return {
    cheapest: cheapest ? pick(cheapest) : null,
    fastest: fastest ? pick(fastest) : null,
    withinLimits: within ? pick(within) : null,
    limits,
  };
}

function nothingFits(rows: readonly EstimateRow[], limits: Limits): string {
  const { maxCostUsd: cap, deadlineSeconds: deadline } = limits;
  const fastest = [...rows].sort(byTime)[0];
  const cheapest = [...rows].sort(byCost)[0];
  if (cap === undefined) {
    return `--deadline ${formatDuration(deadline as number)}: no offer finishes in time; the fastest, ${label(fastest)}, needs ${formatDuration(fastest.totalSeconds)}; accepted: a deadline of at least that`;
  }
  if (deadline === undefined) {
    const [capText, costText] = formatUsdPair(cap, cheapest.costUsd);
    return `--max-cost ${capText}: no offer costs that little; the cheapest, ${label(cheapest)}, costs ${costText}; accepted: a cap of at least that`;
  }
  const inTime = [...rows].filter((r) => r.totalSeconds <= deadline).sort(byCost)[0];
  const [capText, inTimeText] = inTime ? formatUsdPair(cap, inTime.costUsd) : [formatUsd(cap), ''];
  const why = inTime
    ? `within ${formatDuration(deadline)} the cheapest is ${label(inTime)} at ${inTimeText}`
    : `the fastest, ${label(fastest)}, needs ${formatDuration(fastest.totalSeconds)}`;
  return `--deadline ${formatDuration(deadline)} with --max-cost ${capText}: no offer meets both; ${why}`;
}
