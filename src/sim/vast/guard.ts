/**
 * Who may call and how often. Keys: account keys (Bearer header or `?api_key=`, docs/reference/vast.md §1) and per-instance
 * keys (`CONTAINER_API_KEY`: "can only start, stop, or destroy that specific instance", docs/reference/vast.md §8). Rate limits:
 * a minimum interval per endpoint and identity, no Retry-After, a plain-text or `{"detail"}` body (docs/reference/vast.md §7).
 */
import type { SimRequest, SimResponse } from '../common/server';
import { bearerToken } from '../common/server';

export type SimEndpoint = 'search' | 'create' | 'show' | 'manage' | 'destroy' | 'list';

export interface RateLimit {
  /** Minimum seconds between two accepted calls ("threshold"). */
  minIntervalSeconds?: number;
  /** At most this many calls in any 60 s ("10 per minute" for search). */
  perMinute?: number;
  /** After a refused call, refuse everything for this long ("penalty"). */
  penaltySeconds?: number;
}

/** The documented limits: create_instance.yaml, show_instance.yaml, stop/destroy_instance.yaml, search_offers.yaml. */
export const DOCUMENTED_RATE_LIMITS: Record<SimEndpoint, RateLimit> = {
  search: { perMinute: 10 },
  create: { minIntervalSeconds: 4.5, penaltySeconds: 12 },
  show: { minIntervalSeconds: 2 },
  manage: { minIntervalSeconds: 1 },
  destroy: { minIntervalSeconds: 3 },
  list: { minIntervalSeconds: 1 },
};

export const AUTH_ERROR: SimResponse = { status: 401, body: { success: false, error: 'auth_error', msg: 'Invalid user key' } };
/** A per-instance key used beyond its own instance's start/stop/destroy [I: the exact refusal is not documented]. */
export const SCOPE_ERROR: SimResponse = {
  status: 403,
  body: { success: false, error: 'forbidden', msg: 'This API key is restricted to start, stop or destroy its own instance.' },
};

export type Caller = { kind: 'account'; key: string } | { kind: 'instance'; key: string; instanceId: number } | { kind: 'anonymous' };

export function callerOf(req: SimRequest, accountKeys: Set<string>, instanceKeys: Map<string, number>): Caller | undefined {
  const given = [bearerToken(req.headers), req.query.get('api_key') ?? undefined].filter((k): k is string => Boolean(k));
  if (given.length === 0) return { kind: 'anonymous' };
  for (const key of given) {
    if (accountKeys.has(key)) return { kind: 'account', key };
    const instanceId = instanceKeys.get(key);
    if (instanceId !== undefined) return { kind: 'instance', key, instanceId };
  }
  return undefined;
}

export class RateLimiter {
  private readonly last = new Map<string, number>();
  private readonly recent = new Map<string, number[]>();
  private readonly blockedUntil = new Map<string, number>();

  constructor(
    private readonly limits: Partial<Record<SimEndpoint, RateLimit>>,
    private readonly body: 'text' | 'json',
    private readonly now: () => number = Date.now,
  ) {}

  /** A 429 when this call comes too soon, else undefined (and the call is counted). */
  check(endpoint: SimEndpoint, identity: string): SimResponse | undefined {
    const limit = this.limits[endpoint];
    if (!limit) return undefined;
    const key = `${endpoint} ${identity}`;
    const now = this.now();
    const interval = (limit.minIntervalSeconds ?? 0) * 1000;
    const window = (this.recent.get(key) ?? []).filter((t) => now - t < 60_000);
    const tooSoon =
      now < (this.blockedUntil.get(key) ?? 0) ||
      (interval > 0 && now - (this.last.get(key) ?? -Infinity) < interval) ||
      (limit.perMinute !== undefined && window.length >= limit.perMinute);
    if (tooSoon) {
      if (limit.penaltySeconds) this.blockedUntil.set(key, now + limit.penaltySeconds * 1000);
      return this.refusal(limit);
    }
    this.last.set(key, now);
    window.push(now);
    this.recent.set(key, window);
    return undefined;
  }

  private refusal(limit: RateLimit): SimResponse {
    const threshold = limit.minIntervalSeconds ?? (limit.perMinute ? 60 / limit.perMinute : 0);
    const text = `API requests too frequent endpoint threshold=${threshold.toFixed(1)}`;
    return this.body === 'json' ? { status: 429, body: { detail: text } } : { status: 429, body: text, contentType: 'text/plain; charset=utf-8' };
  }
}

/** The adapter-side pacing matching these limits, as GPUBURST_VAST_RATE_LIMITS (seconds per endpoint). */
export function pacingFor(limits: Partial<Record<SimEndpoint, RateLimit>>): string {
  const out: Record<string, number> = {};
  for (const e of Object.keys(DOCUMENTED_RATE_LIMITS) as SimEndpoint[]) {
    const l = limits[e];
    out[e] = !l ? 0 : Math.max(l.minIntervalSeconds ?? 0, l.perMinute ? 60 / l.perMinute : 0);
  }
  return JSON.stringify(out);
}
