/**
 * The simulated GPU under the prompt worker (./worker): its timing settings, the faults a test can inject, and its
 * clock. The clock restarts at the real time each prompt starts, so any delay between two prompts (HTTP handling,
 * the history write, event-loop lag, a client that queues late) is idle GPU time, as on a real card, and is never
 * taken back from the next prompt. Benchmarks read that idle time as lost; a clock that caught up would hide it.
 */

export interface WorkerSettings {
  msPerStep: number;
  msPerNode: number;
  /** Delay between execution_success (sent) and the history write; the real server has the same race. */
  historyLagMs: number;
}

export interface WorkerFaults {
  /** Drop every websocket when a sampler reaches this step (once). */
  dropWsAtStep?: number;
  /** Raise in the next prompt's first sampler (or the named class): an `execution_error` (e.g. CUDA OOM). */
  failNext?: { exceptionType: string; message: string; nodeClass?: string };
}

export const SAMPLERS = new Set(['KSampler', 'KSamplerAdvanced', 'SamplerCustomAdvanced', 'SamplerCustom']);

export class Interrupted extends Error {}

export class NodeFailure extends Error {
  constructor(readonly exceptionType: string, message: string) {
    super(message);
  }
}

/** GPU time of the running prompt: work advances it and the real clock waits for it (never the other way). */
export class GpuClock {
  private at = 0;
  private halted = false;
  private pending?: { timer: NodeJS.Timeout; done: () => void };

  /** A prompt starts on the GPU at `at` (ms, its `execution_start` stamp). */
  start(at: number): void {
    this.at = at;
  }

  /** Spends `ms` of GPU work, ending no earlier than `ms` after the previous work ended. */
  spend(ms: number): Promise<void> {
    this.at += ms;
    return new Promise((done) => this.waitUntilAt(done));
  }

  /** Timers run on the monotonic clock and the stamps on the wall clock (each cut to whole ms): check again. */
  private waitUntilAt(done: () => void): void {
    this.pending = undefined;
    const waitMs = this.at - Date.now();
    if (this.halted || waitMs <= 0) return void setImmediate(done);
    this.pending = { timer: setTimeout(() => this.waitUntilAt(done), waitMs), done };
  }

  /** The process died: work in progress ends now (a closed simulator must not hold its host process open). */
  halt(): void {
    this.halted = true;
    if (!this.pending) return;
    clearTimeout(this.pending.timer);
    this.pending.done();
    this.pending = undefined;
  }
}

/** Each prompt's start and end (ms) and the pending-queue length when it started: the "GPU fed" evidence. */
export interface PromptStart {
  promptId: string;
  pendingAtStart: number;
  at: number;
  endAt?: number;
}

/** Appends to the start log, keeping at most the last 10,000-20,000 entries (a long run must not grow it forever). */
export function logStart(starts: PromptStart[], start: PromptStart): void {
  starts.push(start);
  if (starts.length > 20000) starts.splice(0, 10000);
}
