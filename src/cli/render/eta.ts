/**
 * The ETA of a running batch, from how fast prompts have finished since rendering began. Too little data gives no
 * number ("estimating…"), never "0s" with work left; done work says "done".
 */
import { formatDuration } from '../../estimate/duration';

/** Finished prompts (done or failed) needed before a rate means anything; the first one also carries model load. */
const MIN_FINISHED_FOR_ETA = 3;
const ETA_UNKNOWN = 'estimating…';

export interface EtaInput {
  /** Prompts finished (done + failed) now, and when the clock started. */
  finished: number;
  finishedAtStart: number;
  total: number;
  /** Seconds since the clock started. */
  elapsedSeconds: number;
}

/** Seconds left at the rate seen since the start, or undefined when that rate rests on too little. */
export function etaSeconds(i: EtaInput): number | undefined {
  const remaining = i.total - i.finished;
  if (remaining <= 0) return 0;
  const progressed = i.finished - i.finishedAtStart;
  if (progressed < MIN_FINISHED_FOR_ETA || !(i.elapsedSeconds > 0)) return undefined;
  return (remaining * i.elapsedSeconds) / progressed;
}

/** "38s", "4m05s", "done", or "estimating…" (an ETA of 0, NaN or ∞ with work left, or from too few prompts). */
export function formatEta(seconds: number | undefined, finished: number, total: number): string {
  if (finished >= total) return 'done';
  if (seconds === undefined || !Number.isFinite(seconds) || seconds <= 0 || finished < MIN_FINISHED_FOR_ETA) return ETA_UNKNOWN;
  // Work is left, so never less than a second.
  return formatDuration(Math.max(1, seconds));
}

/** Keeps the start of the clock for a view: the first progress event it sees. */
export class EtaClock {
  private start?: { ms: number; finished: number };

  constructor(private readonly now: () => number = Date.now) {}

  text(finished: number, total: number): string {
    const ms = this.now();
    this.start ??= { ms, finished };
    const seconds = etaSeconds({ finished, finishedAtStart: this.start.finished, total, elapsedSeconds: (ms - this.start.ms) / 1000 });
    return formatEta(seconds, finished, total);
  }
}
