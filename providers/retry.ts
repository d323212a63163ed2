/** Pure retry-delay rule, table-tested: exponential backoff with full jitter, capped, honouring Retry-After. */

export interface RetryDelayInput {
  /** 1 for the first retry. */
  attempt: number;
  baseMs: number;
  maxMs: number;
  /** Seconds from a Retry-After header, when the server sent one. */
  retryAfterSeconds?: number;
  /** In [0, 1); injected so tests are deterministic. */
  random: number;
}

export function retryDelayMs(input: RetryDelayInput): number {
  const { attempt, baseMs, maxMs, retryAfterSeconds, random } = input;
  if (retryAfterSeconds !== undefined && Number.isFinite(retryAfterSeconds) && retryAfterSeconds >= 0) {
    // The server said when; add a little jitter so many clients do not return at once.
    return Math.round(retryAfterSeconds * 1000 + random * baseMs);
  }
  const ceiling = Math.min(maxMs, baseMs * 2 ** (attempt - 1));
  // Full jitter, but never less than half the base, so a retry is not immediate.
  return Math.round(Math.max(baseMs / 2, random * ceiling));
}

/** Retry-After is either delta-seconds or an HTTP date. Returns seconds from `now`, or undefined. */
export function parseRetryAfter(header: string | undefined, nowMs: number): number | undefined {
  if (header === undefined || header === '') return undefined;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, (date - nowMs) / 1000);
}

/** The same rule for loops that retry on their own (reconnects, re-queues, downloads): no Retry-After. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  return retryDelayMs({ attempt, baseMs, maxMs, random: random() });
}
