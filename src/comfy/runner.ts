/**
 * Runs a list of prompts on one ComfyUI server and keeps its GPU fed: `aheadCount` prompts wait in the server's
 * queue behind the running one, so the next starts the moment the last ends. Each prompt is tracked to its end
 * (websocket + polling, ./tracker), its outputs are pulled at once (streamed, in parallel, ./outputs), and every
 * state change is reported through callbacks for the session's journal. Survives websocket drops (polling), server
 * restarts (vanished prompts are queued again; pulled files stay) and a prompt ComfyUI rejects (that one fails,
 * the rest go on).
 */
import crypto from 'crypto';
import path from 'path';
import { GpuburstError, TransientError } from '../../providers/errors';
import { sleep } from '../../providers/poll';
import { backoffMs } from '../../providers/retry';
import type { ComfyClient } from './client';
import { Limiter, NodeOutputFile, PulledFile, defaultLocalName, outputFiles, pullOutputs } from './outputs';
import { ComfySocket } from './socket';
import { checkSubfolder } from './safe-path';
import { PromptOutcome, PromptTracker, TrackerOptions, WS_SILENCE_MS } from './tracker';
import type { ApiPrompt, HistoryEntry } from './types';

/** Events that mean a prompt is being worked on (reference §2.4): a sampler step, a node's progress or output. */
const STEP_EVENTS = new Set(['progress', 'progress_state', 'executed']);

export interface RunnerPrompt {
  /** Stable id (from batch expansion): names the local files and lets a rerun skip done prompts. */
  id: string;
  prompt: ApiPrompt;
  /** Local files to place in the server's input folder first (batch input images), under these names. */
  uploads?: { localPath: string; name: string }[];
}

export interface RunnerCallbacks {
  onQueued?(id: string, promptId: string): void;
  onRunning?(id: string, promptId: string): void;
  /** Given, the prompts' step events are sent to us (58 frames a prompt at 20 steps); absent, they are not asked for. */
  onProgress?(id: string, value: number, max: number): void;
  /** `renderSeconds`: from the server's own stamps (start to end of execution), when its history or events had them. */
  onDone?(id: string, files: PulledFile[], renderSeconds?: number): void;
  /**
   * `stage` 'pull': the prompt rendered but its outputs could not be pulled; `files` names them on the server (its
   * history is lost when ComfyUI restarts, the files are not).
   */
  onFailed?(id: string, reason: string, error?: GpuburstError, stage?: 'render' | 'pull', files?: NodeOutputFile[], cause?: unknown): void;
  /** Removed from the server's queue by `stop()` before it started; still to do. */
  onCancelled?(id: string): void;
  /** Stopped by `interrupt()` while running (outputs its finished nodes saved are in `files`); still to do. */
  onInterrupted?(id: string, reason: string, files: PulledFile[]): void;
}

export interface RunnerOptions extends TrackerOptions {
  client: ComfyClient;
  outputDir: string;
  callbacks?: RunnerCallbacks;
  /** Prompts waiting in the server's queue behind the running one. @default 2 */
  aheadCount?: number;
  /** Files pulled at once. @default 4 */
  downloadConcurrency?: number;
  /** Times a prompt that vanished (server restart) is queued in total. @default 3 */
  maxAttempts?: number;
  /** Also pull `temp` outputs (PreviewImage). @default false */
  includeTemp?: boolean;
  /** Prompts already done (a rerun): skipped without being sent. */
  isDone?: (id: string) => boolean;
  localName?: typeof defaultLocalName;
  /** A folder below `outputDir` per prompt (e.g. its workflow's name); checked like any relative path. */
  outputSubfolder?: (id: string) => string;
}

export interface RunSummary {
  done: number;
  failed: number;
  skipped: number;
  cancelled: number;
  /** Not sent because the runner was stopped. */
  notStarted: number;
  interrupted: number;
}

export class PromptRunner {
  private stopped = false;
  /** Set by anything that may let the loop move on (a slot freed, a retry queued, stop); never lost. */
  private woken = false;
  private wakeResolver?: () => void;
  private readonly inFlight = new Map<string, { item: RunnerPrompt; running: boolean; giveUp?: (o: PromptOutcome) => void }>();
  /** Set by `interrupt()`: running prompts are interrupted on the server, not waited for. */
  private interrupting = false;
  private readonly cb: RunnerCallbacks;
  private readonly limiter: Limiter;
  private readonly summary: RunSummary = { done: 0, failed: 0, skipped: 0, cancelled: 0, notStarted: 0, interrupted: 0 };
  private tracker?: PromptTracker;
  private socket?: ComfySocket;
  /**
   * Nobody shows step progress: the prompts carry a client id no socket has, so ComfyUI sends their step events and
   * previews nowhere, and the tracker goes by the queue's status broadcasts (./tracker, "quiet").
   */
  private readonly quiet: boolean;
  /** The client id our prompts carry: the socket's own, or one no socket has (quiet). */
  private readonly eventsClientId: string;
  /** The server stopped answering altogether: nothing more is sent, and the run ends with this once in-flight settles. */
  private unreachable?: TransientError;
  /** Quiet: a second socket under our prompts' client id, opened by `listenForSteps`, and when it last heard a step. */
  private stepSocket?: ComfySocket;
  private stepAt = 0;
  /** run() has returned or thrown: nothing of this runner opens any more. */
  private ended = false;

  constructor(private readonly opts: RunnerOptions) {
    this.cb = opts.callbacks ?? {};
    this.limiter = new Limiter(opts.downloadConcurrency ?? 4);
    this.quiet = !this.cb.onProgress;
    this.eventsClientId = this.quiet ? crypto.randomBytes(16).toString('hex') : opts.client.clientId;
  }

  /** Stop queueing: prompts waiting on the server are taken back (reported cancelled); the running one finishes and is pulled. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    const waiting = [...this.inFlight].filter(([, f]) => !f.running).map(([promptId]) => promptId);
    if (waiting.length) this.takeBack(waiting);
    this.wake();
  }

  /**
   * Ctrl-C: stop queueing, take back what waits, and POST /interrupt for each of our prompts seen running (by id:
   * ComfyUI stops it at its next node or sampler step; only ids known to run are sent, as a ComfyUI older than the
   * prompt_id filter interrupts whatever runs, maybe the user's own prompt on a local server). One not known to run
   * (quiet prompts send no start event) or that started before the delete landed is interrupted when the poll that
   * follows sees it running (markRunning). One still not ended `graceMs` later (a node that never checks) is given
   * up as interrupted, so teardown is not held by it; a prompt whose outputs are being pulled is never given up.
   */
  interrupt(graceMs = 30_000): void {
    if (this.interrupting) return;
    this.interrupting = true;
    const running = [...this.inFlight].filter(([, f]) => f.running).map(([id]) => id);
    const waiting = this.stopped ? [] : [...this.inFlight].filter(([, f]) => !f.running).map(([id]) => id);
    this.stopped = true;
    this.wake();
    // The delete first: interrupting first would let the server start the next waiting prompt before it lands.
    const client = this.opts.client;
    void (waiting.length ? client.deleteQueued(waiting) : Promise.resolve())
      .catch(() => undefined)
      .then(() => Promise.all(running.map((id) => client.interrupt(id).catch(() => undefined))))
      .then(() => this.tracker?.pollSoon());
    setTimeout(() => {
      for (const f of this.inFlight.values()) f.giveUp?.({ kind: 'interrupted', reason: `still running ${Math.round(graceMs / 1000)} s after the interrupt; left for resume` });
    }, graceMs).unref();
  }

  /**
   * Stop and stop listening (the session's stall guard): prompts still in flight are left as they are, `run()` never
   * settles, and no timer or socket of this runner keeps the process up.
   */
  abandon(): void {
    this.stop();
    this.tracker?.close();
    void this.socket?.close();
    void this.stepSocket?.close();
  }

  /**
   * When this runner last saw its machine work on a prompt: a step, a node's output (0: not listened for yet).
   * For the session's stall guard, which cannot tell a hung machine from a long render (a video prompt can take
   * more than the stall window) by prompt ends alone.
   */
  lastStepAt(): number {
    return this.stepAt;
  }

  /**
   * Hear step events from now on. Quiet runs are sent none (their prompts carry a client id no socket has), so a
   * second socket opens under that id: ComfyUI sends a prompt's events to whichever socket has its client id now.
   * Opening counts as a step: it had no chance to hear one yet. Idempotent; closed when the run ends.
   */
  listenForSteps(): void {
    if (!this.socket || this.stepSocket || this.ended) return;
    this.stepAt = Date.now();
    if (!this.quiet) return;
    const steps = new ComfySocket(this.opts.client, { clientId: this.eventsClientId, pingMs: 30_000 });
    // Only work counts: not a queue broadcast, not the `executing` hello a (re)connect gets while a node runs.
    steps.accept = (type) => {
      if (STEP_EVENTS.has(type)) this.stepAt = Date.now();
      return false;
    };
    this.stepSocket = steps;
    steps.start();
  }

  /** Deletes waiting prompts from the server's queue and has the tracker see it now, not at its next safety poll. */
  private takeBack(promptIds: string[]): void {
    this.opts.client.deleteQueued(promptIds).then(
      () => this.tracker?.pollSoon(),
      () => undefined,
    );
  }

  async run(items: Iterable<RunnerPrompt>): Promise<RunSummary> {
    const { client } = this.opts;
    // Pings often enough that a quiet socket is never taken for a silent one.
    const socket = new ComfySocket(client, { pingMs: Math.max(50, (this.opts.wsSilenceMs ?? WS_SILENCE_MS) / 3) });
    const tracker = new PromptTracker(client, socket, { ...this.opts, quiet: this.quiet });
    this.tracker = tracker;
    this.socket = socket;
    socket.start();
    const source = items[Symbol.iterator]();
    const retry: RunnerPrompt[] = [];
    const finishing = new Set<Promise<void>>();
    const attempts = new Map<string, number>();
    const seen = new Map<string, string>();
    const claimed = new Map<string, string>();
    const uploaded = new Set<string>();
    const slots = (this.opts.aheadCount ?? 2) + 1;
    let exhausted = false;
    try {
      for (;;) {
        while (!this.stopped && !this.unreachable && this.inFlight.size < slots) {
          const item = retry.shift() ?? this.next(source, () => (exhausted = true));
          if (!item) break;
          let promptId: string | undefined;
          try {
            promptId = await this.submit(item, seen, uploaded, attempts);
          } catch (err) {
            // A server unreachable while sending: the prompts already in flight still settle (their own deadline)
            // before the run ends, so none is left without an outcome. A refused token ends the run at once.
            if ((err as GpuburstError).code === 'ERR_AUTH' || this.inFlight.size === 0) throw err;
            this.unreachable ??= err as TransientError;
            break;
          }
          if (!promptId) continue;
          const gaveUp = new Promise<PromptOutcome>((resolve) => Object.assign(this.inFlight.get(promptId) ?? {}, { giveUp: resolve }));
          const watched = tracker.watch(promptId, {
            onRunning: () => this.markRunning(item, promptId),
            onProgress:
              this.cb.onProgress &&
              ((v, max) => {
                this.stepAt = Date.now();
                this.cb.onProgress?.(item.id, v, max);
              }),
          });
          const done = Promise.race([watched, gaveUp])
            .then((outcome) => this.settle(item, promptId, outcome, retry, attempts, claimed));
          finishing.add(done);
          void done.finally(() => finishing.delete(done));
          // stop() came while this one was being sent: take it back too (it ends as cancelled unless it started).
          if (this.stopped) this.takeBack([promptId]);
        }
        if (this.inFlight.size === 0 && (exhausted || this.stopped || this.unreachable) && retry.length === 0) break;
        if (!this.woken) await new Promise<void>((resolve) => (this.wakeResolver = resolve));
        this.woken = false;
      }
      await Promise.all(finishing);
      if (this.unreachable) throw this.unreachable;
      if (this.stopped) for (let item = retry.shift() ?? this.next(source); item; item = retry.shift() ?? this.next(source)) this.summary.notStarted++;
      return { ...this.summary };
    } finally {
      this.ended = true;
      tracker.close();
      await Promise.all([socket.close(), this.stepSocket?.close()]);
    }
  }

  private wake(): void {
    this.woken = true;
    this.wakeResolver?.();
    this.wakeResolver = undefined;
  }

  private next(source: Iterator<RunnerPrompt>, onEnd?: () => void): RunnerPrompt | undefined {
    for (let r = source.next(); !r.done; r = source.next()) {
      if (!this.opts.isDone?.(r.value.id)) return r.value;
      this.summary.skipped++;
    }
    onEnd?.();
    return undefined;
  }

  /** Uploads inputs and queues one prompt; undefined when it failed (reported) instead. */
  private async submit(item: RunnerPrompt, seen: Map<string, string>, uploaded: Set<string>, attempts: Map<string, number>): Promise<string | undefined> {
    const json = JSON.stringify(item.prompt); // serialized once: hashed here, sent as is
    // One-shot hash: a third of createHash's CPU for a prompt's 1–3 KB (Node ≥ 20.12, the engines floor).
    const hash = crypto.hash('sha1', json, 'base64');
    const twin = seen.get(hash);
    if (twin !== undefined && twin !== item.id) {
      this.fail(item, `identical to prompt ${twin}: ComfyUI would answer from its cache with the same image`);
      return undefined;
    }
    seen.set(hash, item.id);
    const giveUpAt = Date.now() + (this.opts.unreachableMs ?? 300_000);
    for (let attempt = 1; ; attempt++) {
      try {
        for (const u of item.uploads ?? []) {
          if (uploaded.has(`${u.localPath}\0${u.name}`)) continue;
          await this.opts.client.upload({ filePath: u.localPath, name: u.name, overwrite: true });
          uploaded.add(`${u.localPath}\0${u.name}`);
        }
        const { promptId } = await this.opts.client.queuePrompt(item.prompt, { promptJson: json, clientId: this.eventsClientId });
        attempts.set(item.id, (attempts.get(item.id) ?? 0) + 1);
        this.inFlight.set(promptId, { item, running: false });
        this.cb.onQueued?.(item.id, promptId);
        return promptId;
      } catch (err) {
        const e = err instanceof GpuburstError ? err : new TransientError(String((err as Error).message ?? err), { provider: 'comfyui', cause: err });
        if (e.code === 'ERR_AUTH') throw e;
        if (this.stopped) {
          this.summary.notStarted++;
          return undefined;
        }
        if (!e.retryable) {
          this.fail(item, e.message, e);
          return undefined;
        }
        // A restarting server: keep this prompt and try again; past the deadline the whole run ends.
        if (Date.now() >= giveUpAt) throw new TransientError(`ComfyUI at ${this.opts.client.baseUrl} stayed unreachable: ${e.message}`, { provider: 'comfyui', machineId: this.opts.client.machineId, cause: e });
        await sleep(backoffMs(attempt, 500, 10_000));
      }
    }
  }

  private markRunning(item: RunnerPrompt, promptId: string): void {
    const f = this.inFlight.get(promptId);
    if (f && !f.running) {
      f.running = true;
      this.cb.onRunning?.(item.id, promptId);
      // It started after interrupt() (the delete came too late): interrupt it too.
      if (this.interrupting) void this.opts.client.interrupt(promptId).catch(() => undefined);
    }
  }

  private async settle(item: RunnerPrompt, promptId: string, outcome: PromptOutcome, retry: RunnerPrompt[], attempts: Map<string, number>, claimed: Map<string, string>): Promise<void> {
    const wasRunning = this.inFlight.get(promptId)?.running ?? false;
    this.inFlight.delete(promptId);
    this.wake();
    if (outcome.kind === 'vanished' && this.stopped && !wasRunning) {
      this.summary.cancelled++;
      return this.cb.onCancelled?.(item.id);
    }
    if (outcome.kind === 'vanished' && (attempts.get(item.id) ?? 0) < (this.opts.maxAttempts ?? 3) && !this.stopped) {
      retry.push(item);
      return this.wake();
    }
    if (outcome.kind === 'unreachable') {
      const { client } = this.opts;
      this.unreachable ??= new TransientError(`ComfyUI at ${client.baseUrl} stopped answering: ${outcome.reason}`, { provider: 'comfyui', machineId: client.machineId });
      retry.length = 0;
    }
    if (outcome.kind === 'interrupted' && this.interrupting) return this.interrupted(item, outcome);
    if (outcome.kind !== 'success') return this.fail(item, outcome.reason);
    // ComfyUI lists a cached output node with the files an earlier prompt made (a branch whose inputs did not change,
    // such as a fixed `images:` file saved as is). Those were pulled with that prompt; the rest are this prompt's.
    // Only a prompt with nothing new failed to make anything.
    const listed = outputFiles(outcome.entry, { includeTemp: this.opts.includeTemp });
    const keyOf = (f: NodeOutputFile) => `${f.type}/${f.subfolder}/${f.filename}`;
    const ownerOf = (f: NodeOutputFile) => {
      const o = claimed.get(keyOf(f));
      return o !== undefined && o !== item.id ? o : undefined;
    };
    const files = listed.filter((f) => ownerOf(f) === undefined);
    if (listed.length > 0 && files.length === 0) return this.fail(item, `ComfyUI answered from its cache with the files of prompt ${ownerOf(listed[0])}: no new image was made`);
    for (const f of files) claimed.set(keyOf(f), item.id);
    try {
      const pulled = await this.pull(item, files);
      this.summary.done++;
      this.cb.onDone?.(item.id, pulled, outcome.renderMs === undefined ? undefined : outcome.renderMs / 1000);
    } catch (err) {
      this.fail(item, `outputs could not be pulled: ${(err as Error).message}`, err instanceof GpuburstError ? err : undefined, 'pull', files, err);
    }
  }

  /** Outputs its finished nodes saved before the interrupt are pulled too: nothing made is left on the machine. */
  private async interrupted(item: RunnerPrompt, outcome: { entry?: HistoryEntry; reason: string }): Promise<void> {
    const files = outcome.entry ? outputFiles(outcome.entry, { includeTemp: this.opts.includeTemp }) : [];
    let pulled: PulledFile[] = [];
    if (files.length) {
      try {
        pulled = await this.pull(item, files);
      } catch (err) {
        return this.fail(item, `interrupted; its partial outputs could not be pulled: ${(err as Error).message}`, err instanceof GpuburstError ? err : undefined, 'pull', files, err);
      }
    }
    this.summary.interrupted++;
    this.cb.onInterrupted?.(item.id, outcome.reason, pulled);
  }

  private pull(item: RunnerPrompt, files: NodeOutputFile[]): Promise<PulledFile[]> {
    const sub = this.opts.outputSubfolder ? checkSubfolder(this.opts.outputSubfolder(item.id)) : '';
    const outputDir = sub ? path.join(this.opts.outputDir, sub) : this.opts.outputDir;
    return pullOutputs(item.id, files, { client: this.opts.client, outputDir, limiter: this.limiter, localName: this.opts.localName });
  }

  private fail(item: RunnerPrompt, reason: string, error?: GpuburstError, stage: 'render' | 'pull' = 'render', files?: NodeOutputFile[], cause?: unknown): void {
    this.summary.failed++;
    this.cb.onFailed?.(item.id, reason, error, stage, files, cause);
  }
}
