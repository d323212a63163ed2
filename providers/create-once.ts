/**
 * Creates are never retried blindly. When a create fails ambiguously (timeout, reset, 5xx, lost response) the
 * machine may exist anyway, so we look it up by its unique name before sending the create again. A retried create
 * therefore never makes a second paid machine. A 429 is not ambiguous (refused before it was looked at, nothing
 * made): it is sent again after the wait the server asked for, or a growing one, with no look-up. Rate limits are
 * per account, so another process's calls (a second session, a machine's watchdog) can use them up (Lambda: one
 * launch per 12 s). Shared by every adapter so the rule is written once.
 */
import { GpuburstError, RateLimitError } from './errors';
import { sleep } from './poll';
import { retryDelayMs } from './retry';

export interface CreateOnceOptions<T> {
  /** Sends the create request once (the HTTP client must not retry it). */
  send: () => Promise<T>;
  /** Finds a machine created by an earlier attempt, by its unique name. */
  lookup: () => Promise<T | undefined>;
  maxAttempts?: number;
  /** Wait before looking up: some providers list a new machine only after a moment. */
  settleMs?: number;
  /** Number of look-ups (settleMs apart) before concluding the create did not happen. */
  lookupTries?: number;
  /** 429s answered by waiting before the last one is thrown (SkyPilot makes 6 attempts on Lambda's). @default 6 */
  rateLimitRetries?: number;
  /** First wait after a 429 without Retry-After; it doubles, with jitter, up to 60 s. @default 5000 */
  rateLimitBaseMs?: number;
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** Injected in tests. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export async function createOnce<T>(opts: CreateOnceOptions<T>): Promise<T> {
  const maxAttempts = opts.maxAttempts ?? 3;
  const settleMs = opts.settleMs ?? 1000;
  const lookupTries = opts.lookupTries ?? 3;
  const wait = opts.sleep ?? sleep;
  let ambiguous = 0;
  let limited = 0;
  for (;;) {
    try {
      return await opts.send();
    } catch (err) {
      if (err instanceof RateLimitError) {
        if (++limited > (opts.rateLimitRetries ?? 6) || opts.signal?.aborted) throw err;
        const ms = retryDelayMs({ attempt: limited, baseMs: opts.rateLimitBaseMs ?? 5000, maxMs: 60_000, retryAfterSeconds: err.retryAfterSeconds, random: Math.random() });
        opts.log?.(`create refused by the rate limit; sending it again in ${Math.round(ms / 1000)} s`);
        await wait(ms, opts.signal);
        continue;
      }
      if (!(err instanceof GpuburstError) || !err.retryable) throw err;
      opts.log?.(`create failed ambiguously (${err.code}); looking the machine up by name before any retry`);
      for (let i = 0; i < lookupTries; i++) {
        await wait(settleMs, opts.signal);
        const found = await opts.lookup();
        if (found !== undefined) return found;
      }
      if (++ambiguous >= maxAttempts || opts.signal?.aborted) throw err;
    }
  }
}
