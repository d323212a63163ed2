/**
 * The ETA of a running batch, from how fast prompts have finished since rendering began. Until that rate rests on
 * enough prompts, the plan's own estimate stands in, marked as such ("~12m (plan)"): with 10-minute video prompts
 * the measured rate needs half an hour. With neither, "estimating…"; never "0s" with work left; done work says "done".
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
  /** The plan's render seconds per prompt over all machines (its render time / its prompts). */
  private plannedSecondsPerPrompt?: number;

  constructor(private readonly now: () => number = Date.now) {}

  plan(secondsPerPrompt: number | undefined): void {
    this.plannedSecondsPerPrompt = secondsPerPrompt !== undefined && Number.isFinite(secondsPerPrompt) && secondsPerPrompt > 0 ? secondsPerPrompt : undefined;
  }

  text(finished: number, total: number): string {
    const ms = this.now();
    this.start ??= { ms, finished };
    const elapsedSeconds = (ms - this.start.ms) / 1000;
    const seconds = etaSeconds({ finished, finishedAtStart: this.start.finished, total, elapsedSeconds });
    if (seconds === undefined && finished < total && this.plannedSecondsPerPrompt !== undefined) {
      // What the plan expects for the prompts left (not shortened by time already spent: a slow start must not count down to "1s").
      return `~${formatDuration(Math.max(1, (total - finished) * this.plannedSecondsPerPrompt))} (plan)`;
    }
    return formatEta(seconds, finished, total);
  }
}
