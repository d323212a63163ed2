/**
 * The one poll-until-deadline loop (machine readiness, ComfyUI readiness, model placement, teardown confirmation):
 * look, and look again every `intervalMs` until the look returns a value, the deadline passes or the signal aborts.
 * The clock and the sleep are injectable so tests need no real time.
 */

export interface PollOptions {
  /** From the first look; the last sleep is shortened so the last look happens at the deadline. */
  timeoutMs: number;
  intervalMs: number;
  signal?: AbortSignal;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * Resolves with the first value `look` returns that is not undefined; undefined when time ran out or the signal
 * aborted (the caller words that outcome). Errors thrown by `look` end the poll.
 */
export async function pollUntil<T>(look: () => Promise<T | undefined>, opts: PollOptions): Promise<T | undefined> {
  const now = opts.now ?? Date.now;
  const wait = opts.sleep ?? sleep;
  const deadline = now() + opts.timeoutMs;
  while (!opts.signal?.aborted) {
    const value = await look();
    if (value !== undefined) return value;
    const left = deadline - now();
    if (left <= 0) break;
    await wait(Math.min(opts.intervalMs, left), opts.signal);
  }
  return undefined;
}

/** Resolves after `ms`, or at once when `signal` aborts (never rejects: the caller checks the signal). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
