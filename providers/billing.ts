/**
 * How each provider bills compute: the one table. Adapters report it in capabilities().billing, the session's budget
 * reads it from there, and the estimator (src/estimate) reads it from here. The reasons and sources are in
 * docs/billing.md; keep both in step.
 */
import type { ProviderName } from './types';

export interface BillingRule {
  /** Compute is billed in increments of this many seconds (usage is rounded up to a multiple). */
  incrementSeconds: number;
  /** Any usage is billed at least this long. */
  minimumSeconds: number;
  /** What the provider says, in one or two sentences a user can read. */
  note: string;
  /** Where the rule comes from, with its date; [V] stated by the provider, [I] our reading where sources disagree. */
  source: string;
}

export const BILLING: Record<ProviderName, BillingRule> = {
  runpod: {
    incrementSeconds: 1,
    minimumSeconds: 0,
    note: 'Compute and storage are billed per second; an on-demand deploy needs at least one hour of credit in the balance (not a charge).',
    source: "[V] docs.runpod.io/pods/pricing, 2026-11: 'Pods are billed by the second for compute and storage' (pods/overview.mdx still says by the minute)",
  },
  vast: {
    incrementSeconds: 1,
    minimumSeconds: 0,
    note: 'Compute per second while running; storage per second while the instance exists (stopped too); bandwidth per byte.',
    source: "[V] docs.vast.ai billing, 2026-11: 'You pay by the second for compute and continuously for storage'",
  },
  lambda: {
    incrementSeconds: 60,
    minimumSeconds: 0,
    note: 'Billed per started minute from the moment the instance passes health checks until terminate; no minimum documented.',
    source: "[V] docs.lambda.ai/public-cloud/billing, 2026-11: 'bills in one-minute increments'",
  },
  paperspace: {
    incrementSeconds: 3600,
    minimumSeconds: 0,
    note: 'Assumed billed per started hour: the one statement from Paperspace says a deleted machine is "prorated to the hour"; a per-second claim comes from a third-party summary only. Storage bills until the machine is deleted.',
    source: "[V] Paperspace's legacy API docs (destroy): 'billing for the machine is prorated to the hour'; [I] per second per a third-party FinOps summary; hourly kept as the safe reading (docs/billing.md)",
  },
  local: {
    incrementSeconds: 1,
    minimumSeconds: 0,
    note: 'No rent; electricity only (see estimate --kwh-price).',
    source: 'your own GPU',
  },
};

/** Storage price of a model cache, where the provider has one (docs/billing.md "Model cache"). */
export interface CacheStorageRule {
  usdPerGbMonth: number;
  /** Above this size (GB) the whole volume bills at `largeUsdPerGbMonth`. */
  largeFromGb?: number;
  largeUsdPerGbMonth?: number;
  /** Allocated size (RunPod) or bytes stored (Lambda). */
  billedOn: 'allocated' | 'used';
  /** Bytes per billed GB: RunPod quotes GB, Lambda GiB. */
  bytesPerGb: number;
  source: string;
}

export const CACHE_STORAGE: Partial<Record<ProviderName, CacheStorageRule>> = {
  runpod: {
    usdPerGbMonth: 0.07,
    largeFromGb: 1000,
    largeUsdPerGbMonth: 0.05,
    billedOn: 'allocated',
    bytesPerGb: 1e9,
    source: '[V] docs.runpod.io/pods/pricing, 2026-11: network volume $0.07/GB/month under 1 TB, $0.05 over, billed hourly; [I] the lower rate applied to the whole volume',
  },
  lambda: {
    usdPerGbMonth: 0.2,
    billedOn: 'used',
    bytesPerGb: 2 ** 30,
    source: "[V] docs.lambda.ai/public-cloud/billing, 2026-11: filesystems 'billed per GiB used per month in one-hour increments', example $0.20/GiB/month, while the filesystem exists",
  },
};

/** Hours in a billing month, as the providers pro-rate (365 × 24 / 12). */
export const HOURS_PER_MONTH = 730;

/** USD per month for `gb` of cache storage at `provider` (0 where there is no cache). */
export function cacheUsdPerMonth(provider: ProviderName, gb: number): number {
  const rule = CACHE_STORAGE[provider];
  if (!rule) return 0;
  const rate = rule.largeFromGb !== undefined && gb > rule.largeFromGb ? (rule.largeUsdPerGbMonth ?? rule.usdPerGbMonth) : rule.usdPerGbMonth;
  return Math.round(gb * rate * 100) / 100;
}
