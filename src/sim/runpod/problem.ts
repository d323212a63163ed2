/**
 * REST v2 plumbing of the RunPod simulator: RFC 9457 problem+json errors, bearer auth (account keys and the
 * pod-scoped keys injected into pods), and the per-minute rate limit with its `RateLimit` headers (docs/reference/runpod.md §7.3, §7.4).
 */
import type { SimRequest, SimResponse } from '../common/server';
import { bearerToken } from '../common/server';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  501: 'Not Implemented',
};

export function problem(status: number, detail: string, extra: { errors?: string[]; headers?: Record<string, string> } = {}): SimResponse {
  const body: Record<string, unknown> = { title: TITLES[status] ?? 'Error', status, detail };
  if (extra.errors?.length) body.errors = extra.errors;
  return { status, body, contentType: 'application/problem+json', headers: extra.headers };
}

/** The capacity sentence RunPod's GraphQL create answers with, reused for v2's human-readable 400 detail (§7.3). */
export const CAPACITY_DETAIL = 'There are no longer any instances available with the requested specifications. Please refresh and try again.';

export type Caller = { kind: 'account'; key: string } | { kind: 'pod'; podId: string; key: string };

export interface AuthDeps {
  accountKeys: Set<string>;
  /** Pod-scoped key → pod id, for pods not yet terminated. */
  podKeys: Map<string, string>;
}

export function authenticate(req: SimRequest, deps: AuthDeps): Caller | SimResponse {
  const token = bearerToken(req.headers);
  if (!token) return problem(401, 'missing bearer token');
  if (deps.accountKeys.has(token)) return { kind: 'account', key: token };
  const podId = deps.podKeys.get(token);
  if (podId) return { kind: 'pod', podId, key: token };
  return problem(401, 'invalid bearer token');
}

export function isResponse(x: Caller | SimResponse): x is SimResponse {
  return (x as SimResponse).status !== undefined;
}

/** One fixed 60-second window per account; `perMinute` may change at run time (admin route). */
export class RateLimiter {
  private windowStart = 0;
  private used = 0;

  constructor(public perMinute: number, private readonly now: () => number = Date.now) {}

  /** Counts one request. Returns the headers every authenticated answer carries, and whether it is refused. */
  take(): { refused: boolean; headers: Record<string, string>; retryAfterSeconds: number } {
    const now = this.now();
    if (now - this.windowStart >= 60_000) {
      this.windowStart = now;
      this.used = 0;
    }
    const resetSeconds = Math.max(1, Math.ceil((this.windowStart + 60_000 - now) / 1000));
    const refused = this.used >= this.perMinute;
    if (!refused) this.used++;
    const remaining = Math.max(0, this.perMinute - this.used);
    return {
      refused,
      retryAfterSeconds: resetSeconds,
      headers: {
        RateLimit: `"minute";r=${remaining};t=${resetSeconds}`,
        'RateLimit-Policy': `"minute";q=${this.perMinute};w=60`,
      },
    };
  }
}

export function withHeaders(res: SimResponse, headers: Record<string, string>): SimResponse {
  return { ...res, headers: { ...headers, ...(res.headers ?? {}) } };
}
