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
