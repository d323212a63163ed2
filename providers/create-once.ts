/**
 * Creates are never retried blindly. When a create fails ambiguously (timeout, reset, 5xx, lost response) the
 * machine may exist anyway, so we look it up by its unique name before sending the create again. A retried create
 * therefore never makes a second paid machine. Shared by every adapter so the rule is written once.
 */
import { GpuburstError } from './errors';
import { sleep } from './poll';

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
  for (let attempt = 1; ; attempt++) {
    try {
      return await opts.send();
    } catch (err) {
      if (!(err instanceof GpuburstError) || !err.retryable) throw err;
      opts.log?.(`create failed ambiguously (${err.code}); looking the machine up by name before any retry`);
      for (let i = 0; i < lookupTries; i++) {
        await wait(settleMs, opts.signal);
        const found = await opts.lookup();
        if (found !== undefined) return found;
      }
      if (attempt >= maxAttempts || opts.signal?.aborted) throw err;
    }
  }
}
