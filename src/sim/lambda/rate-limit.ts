/**
 * "Requests to the API are generally limited to one request per second. Requests to the
 * /instance-operations/launch endpoint are limited to one request per 12 seconds, or five requests per minute."
 * (docs/reference/lambda.md §7). Modelled as minimum spacing between accepted requests of the account; refused requests do not
 * count, so a client that backs off gets through. 0 disables a limit.
 */
import { rateLimited } from './errors';

export interface RateLimits {
  minIntervalMs: number;
  launchIntervalMs: number;
}

export const REAL_RATE_LIMITS: RateLimits = { minIntervalMs: 1000, launchIntervalMs: 12_000 };

export class RateLimiter {
  private lastAny = -Infinity;
  private lastLaunch = -Infinity;

  constructor(private readonly limits: RateLimits, private readonly now: () => number = Date.now) {}

  /** Throws the 429 error when the request comes too soon; otherwise records it. */
  admit(isLaunch: boolean): void {
    const t = this.now();
    if (t - this.lastAny < this.limits.minIntervalMs) throw rateLimited(`at most one request per ${this.limits.minIntervalMs} ms`);
    if (isLaunch && t - this.lastLaunch < this.limits.launchIntervalMs) throw rateLimited(`at most one launch per ${this.limits.launchIntervalMs} ms`);
    this.lastAny = t;
    if (isLaunch) this.lastLaunch = t;
  }
}
