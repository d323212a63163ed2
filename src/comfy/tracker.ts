/**
 * Follows prompts to their end, in one of two ways.
 * - Loud (the prompts carry our socket's client id): the websocket drives completion (`executing` with node null,
 *   reference §2.4), and when one connection carried a prompt from `execution_start` to `execution_success`, its
 *   `executed` events are its outputs: no request at all. Otherwise (an error, an interrupt, a reconnect in between)
 *   one `/history?max_items=N` read settles every prompt that ended meanwhile.
 * - Quiet (the prompts carry a client id no socket has, so ComfyUI sends their ~58 frames per prompt nowhere,
 *   previews included): only the `status` broadcasts arrive, three per prompt (queued, started, done; execution.py
 *   sends one on each change of the queue). A drop of `queue_remaining` means prompts ended and their history is
 *   written (task_done writes it before it says so): one read settles them, however many (`/history/<id>` of our
 *   oldest prompt when one ended, `/history?max_items=N` otherwise).
 * In both, polling `/queue` is the truth whenever the socket is closed, silent for too long, or simply as a periodic
 * safety check (events can be lost without the socket closing, §6). A prompt that is neither queued nor in history
 * has vanished (server restart, §1.0): the queue is read before the history so a prompt finishing in between is
 * never mistaken for a vanished one.
 */
import { GpuburstError } from '../../providers/errors';
import { sleep } from '../../providers/poll';
import type { ComfyClient } from './client';
import type { ComfySocket } from './socket';
import { PromptOutcome, elapsedMs, outcomeOf } from './outcome';
import { Seen, fresh, record, worthParsing } from './seen';
import type { HistoryEntry, WsMessage } from './types';

export type { PromptOutcome };
export { outcomeOf };

export interface WatchHandlers {
  onRunning?: () => void;
  onProgress?: (value: number, max: number, node?: string) => void;
}

export interface TrackerOptions {
  /** Poll interval while the socket is closed or silent. @default 1000 */
  pollMs?: number;
  /** Silence (no frame at all) that makes us poll and reconnect while prompts are in flight. @default 10000 */
  wsSilenceMs?: number;
  /** Poll anyway this often, even with a lively socket. @default 5000 */
  safetyPollMs?: number;
  /** How long to wait for history after a completion event (ComfyUI writes it just after `execution_success`). */
  historyGraceMs?: number;
  /** With prompts in flight and no answer from the server for this long, they end as `unreachable`. @default 300000 */
  unreachableMs?: number;
  /** The prompts' events do not come to our socket: go by the queue's `status` broadcasts (see above). */
  quiet?: boolean;
  log?: (line: string) => void;
}

interface Watch extends Seen {
  handlers: WatchHandlers;
  /** onRunning was called. */
  announced: boolean;
  resolve: (o: PromptOutcome) => void;
  settling: boolean;
  /** Order of registration: a poll judges only watches that existed before its queue snapshot. */
  seq: number;
  /** Settles after an end event if `executing null` (sent once history is written) does not follow. */
  endTimer?: NodeJS.Timeout;
}

const ENDED_FALLBACK_MS = 300;
/** Default of `wsSilenceMs`; the runner pings a third as often. */
export const WS_SILENCE_MS = 10_000;
const QUICK = { retry: false, timeoutMs: 10_000 };

export class PromptTracker {
  private readonly watches = new Map<string, Watch>();
  private readonly opts: Required<Omit<TrackerOptions, 'log'>> & TrackerOptions;
  private timer?: NodeJS.Timeout;
  private polling = false;
  private lastPollAt = 0;
  private lastReconnectAt = 0;
  private seq = 0;
  private epoch = 0;
  private lastContactAt = Date.now();
  private wantProgress = false;
  /** Prompts whose history we wait for, with the time we stop waiting; read together by `readHistories`. */
  private readonly wanted = new Map<string, number>();
  private reading = false;
  /** Events of prompts not watched yet: a fast prompt can end between the `/prompt` answer and `watch`. Bounded. */
  private readonly early = new Map<string, Seen>();
  /** Quiet: history entries a sweep found before their prompt was watched (same race). Bounded. */
  private readonly endedEarly = new Map<string, HistoryEntry>();
  /** Quiet: the last `queue_remaining` seen on this connection, and prompts ended since the last sweep began. */
  private remaining?: number;
  private endedSince = 0;
  private sweeping = false;
  private readonly onMessage = (m: WsMessage) => this.handle(m);
  private readonly onOpen = () => {
    this.epoch++;
    this.remaining = undefined; // the greeting's `status` is the new baseline
    void this.poll(); // reconcile whatever happened while we were away
  };

  constructor(
    private readonly client: ComfyClient,
    private readonly socket: ComfySocket,
    opts: TrackerOptions = {},
  ) {
    this.opts = { pollMs: 1000, wsSilenceMs: WS_SILENCE_MS, safetyPollMs: 5000, historyGraceMs: 3000, unreachableMs: 300_000, quiet: false, ...opts };
    socket.on('message', this.onMessage);
    socket.on('open', this.onOpen);
    socket.accept = (type, frame) => (type === 'status' ? this.opts.quiet === true : worthParsing(type, frame, this.wantProgress));
    if (socket.connected) this.epoch++;
    this.timer = setInterval(() => this.tick(), Math.max(20, Math.min(this.opts.pollMs, this.opts.wsSilenceMs) / 2));
    this.timer.unref?.();
  }

  get size(): number {
    return this.watches.size;
  }

  /** Resolves once the prompt succeeded, failed, was interrupted or vanished. Never rejects. */
  watch(promptId: string, handlers: WatchHandlers = {}): Promise<PromptOutcome> {
    return new Promise((resolve) => {
      const seen = this.early.get(promptId) ?? fresh();
      this.early.delete(promptId);
      const w: Watch = { ...seen, handlers, announced: false, resolve, settling: false, seq: ++this.seq };
      if (handlers.onProgress) this.wantProgress = true;
      this.watches.set(promptId, w);
      const entry = this.endedEarly.get(promptId);
      this.endedEarly.delete(promptId);
      if (entry) return this.finish(promptId, w, outcomeOf(entry));
      if (seen.running || seen.ended) this.markRunning(w);
      if (seen.ended) this.settle(promptId, w);
      // Quiet, on a server whose queue was last heard empty (or not heard yet): this prompt may have ended with no
      // drop left to settle it (its end came before our socket listened, or went to an older prompt that had ended
      // unheard). A queue read decides now instead of the safety poll; one whose `queued` status is merely late is
      // still in the queue.
      else if (this.opts.quiet && !this.remaining) this.pollSoon();
    });
  }

  /**
   * Look at the queue now: prompts were just deleted from it, or interrupted, and no websocket message says so (a
   * quiet prompt's start is only seen this way). One already under way is followed by another on the next tick.
   */
  pollSoon(): void {
    this.lastPollAt = 0;
    void this.poll();
  }

  close(): void {
    clearInterval(this.timer);
    for (const w of this.watches.values()) clearTimeout(w.endTimer);
    this.socket.off('message', this.onMessage);
    this.socket.accept = undefined;
    this.socket.off('open', this.onOpen);
  }

  private handle(m: WsMessage): void {
    this.lastContactAt = Date.now();
    if (m.type === 'status') return this.queueChanged(m);
    const id = m.data.prompt_id;
    if (typeof id !== 'string') return;
    const w = this.watches.get(id);
    const change = record(w ?? this.early.get(id) ?? this.remember(id), m, this.epoch);
    if (!w || !change) return;
    if (change === 'running' || change === 'progress') this.markRunning(w);
    if (change === 'progress') w.handlers.onProgress?.(Number(m.data.value), Number(m.data.max), m.data.node as string | undefined);
    if (change === 'done') this.settle(id, w);
    if (change === 'end-event') {
      // `executing null` follows once history is written; settle anyway if it never comes.
      clearTimeout(w.endTimer);
      w.endTimer = setTimeout(() => this.settle(id, w), ENDED_FALLBACK_MS);
    }
  }

  /** Quiet: `queue_remaining` went down, so prompts ended (or were deleted): sweep the newest history entries. */
  private queueChanged(m: WsMessage): void {
    const remaining = Number((m.data.status as { exec_info?: { queue_remaining?: unknown } } | undefined)?.exec_info?.queue_remaining);
    if (!Number.isFinite(remaining)) return;
    const before = this.remaining;
    this.remaining = remaining;
    if (before === undefined || remaining >= before) return;
    this.endedSince += before - remaining;
    void this.sweep();
  }

  /**
   * A history read for the prompts that ended since the last one began: one ended, our oldest is read by id (below);
   * otherwise, or when that one has not ended, `/history?max_items=N`. History keeps the order in
   * which prompts end, so they are the newest, unless more end before the server answers: N also counts every prompt
   * of ours in flight (without it, a batch of quick prompts lost one in a few to that race, measured). Ends that come
   * in while a read runs are folded into the next. What it misses (a count lost with a dropped frame, other clients'
   * prompts ending in between), the safety poll finds.
   */
  private async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      while (this.endedSince > 0) {
        const ended = this.endedSince;
        this.endedSince = 0;
        if (ended === 1 && (await this.settleOldest())) continue;
        const n = Math.min(64, ended + this.watches.size);
        const entries = await this.client.histories(n, QUICK);
        this.lastContactAt = Date.now();
        for (const [id, entry] of Object.entries(entries)) {
          const w = this.watches.get(id);
          if (w && !w.settling) this.finish(id, w, outcomeOf(entry, w.cachedNodes));
          else if (!w) keepBounded(this.endedEarly, id, entry, 64); // for `watch`, if it comes
        }
      }
      // An empty queue means every prompt of ours that it had heard of has ended: one still watched lost its drop to
      // an older prompt that had ended unheard. Without this it waited for the safety poll (5 s), every session's last.
      if (this.remaining === 0 && this.watches.size > 0) this.pollSoon();
    } catch (err) {
      this.endedSince = 0; // the next poll settles them
      this.log(`history unreadable after the queue shrank (${(err as Error).message}); polling`);
      this.pollSoon();
    } finally {
      this.sweeping = false;
    }
  }

  /**
   * One prompt ended: ComfyUI runs its queue in order, so it is usually our oldest in flight. Its entry alone, read by
   * id, is a quarter of the `max_items` answer with three in flight (each entry echoes the whole prompt); parsing
   * that answer was the largest single cost of a quick prompt (bench/comfy-scale). False when it has not ended
   * (another client's prompt, a deletion, a prompt of ours not watched yet): the sweep reads the newest entries.
   */
  private async settleOldest(): Promise<boolean> {
    const oldest = firstWhere(this.watches, (w) => !w.settling);
    if (!oldest) return false;
    const [id, w] = oldest;
    const entry = await this.client.history(id, QUICK);
    this.lastContactAt = Date.now();
    if (!entry) return false;
    if (!w.settling) this.finish(id, w, outcomeOf(entry, w.cachedNodes)); // finish() ignores a watch already gone
    return true;
  }

  private remember(id: string): Seen {
    const s = fresh();
    keepBounded(this.early, id, s, 1000);
    return s;
  }

  private markRunning(w: Watch): void {
    if (w.announced) return;
    w.announced = w.running = true;
    w.handlers.onRunning?.();
  }

  /** After a completion event: the outputs the socket carried, or the history entry (read with others). */
  private settle(id: string, w: Watch): void {
    if (w.settling || this.watches.get(id) !== w) return;
    if (w.complete) {
      const entry: HistoryEntry = { prompt: [], outputs: w.outputs, status: { status_str: 'success', completed: true, messages: [] } };
      return this.finish(id, w, { kind: 'success', entry, cachedNodes: w.cachedNodes, renderMs: elapsedMs(w.startStamp, w.endStamp) });
    }
    w.settling = true;
    this.wanted.set(id, Date.now() + this.opts.historyGraceMs);
    void this.readHistories();
  }

  /** One `/history?max_items=N` read for every prompt waiting for its entry; repeated briefly while one is missing. */
  private async readHistories(): Promise<void> {
    if (this.reading) return;
    this.reading = true;
    try {
      for (let delay = 10; this.wanted.size > 0; delay = Math.min(delay * 2, 200)) {
        const entries = await this.client.histories(this.wanted.size + this.watches.size + 8, QUICK);
        this.lastContactAt = Date.now();
        for (const [id, giveUpAt] of [...this.wanted]) {
          const w = this.watches.get(id);
          const entry = entries[id] ?? (w && Date.now() >= giveUpAt ? await this.client.history(id, QUICK) : undefined);
          if (!w || entry || Date.now() >= giveUpAt) this.wanted.delete(id);
          if (w && entry) this.finish(id, w, outcomeOf(entry, w.cachedNodes));
          else if (w && !this.wanted.has(id)) w.settling = false; // the next poll decides
        }
        if (this.wanted.size > 0) await sleep(delay);
      }
    } catch (err) {
      this.log(`history unreadable after a completion event (${(err as Error).message}); polling`);
      for (const id of this.wanted.keys()) {
        const w = this.watches.get(id);
        if (w) w.settling = false;
      }
      this.wanted.clear();
    } finally {
      this.reading = false;
    }
  }

  private finish(id: string, w: Watch, outcome: PromptOutcome): void {
    if (this.watches.get(id) !== w) return;
    clearTimeout(w.endTimer);
    this.watches.delete(id);
    if (outcome.kind === 'success' || outcome.kind === 'error') this.markRunning(w);
    w.resolve(outcome);
  }

  private tick(): void {
    if (this.watches.size === 0) return void (this.lastContactAt = Date.now());
    const now = Date.now();
    if (now - this.lastContactAt >= this.opts.unreachableMs) return this.giveUp(now - this.lastContactAt);
    if (this.polling) return;
    const silentMs = now - this.socket.lastMessageAt;
    const blind = !this.socket.connected || silentMs >= this.opts.wsSilenceMs;
    if (this.socket.connected && silentMs >= this.opts.wsSilenceMs && now - this.lastReconnectAt >= this.opts.wsSilenceMs) {
      // A stalled socket can stay open forever (§6 #1): open a fresh one, as the SDKs do.
      this.lastReconnectAt = now;
      this.log(`no websocket frame for ${silentMs} ms; reconnecting and polling`);
      this.socket.reconnect();
    }
    const due = now - this.lastPollAt >= (blind ? this.opts.pollMs : this.opts.safetyPollMs);
    if (due) void this.poll();
  }

  private async poll(): Promise<void> {
    if (this.polling || this.watches.size === 0) return;
    this.polling = true;
    this.lastPollAt = Date.now();
    const seqAtSnapshot = this.seq;
    try {
      const q = await this.client.queue(QUICK);
      this.lastContactAt = Date.now();
      const running = new Set(q.running);
      const queued = new Set([...q.running, ...q.pending]);
      const gone: [string, Watch][] = [];
      for (const [id, w] of this.watches) {
        if (running.has(id)) this.markRunning(w);
        if (!queued.has(id) && !w.settling && w.seq <= seqAtSnapshot) gone.push([id, w]);
      }
      if (gone.length === 0) return;
      const entries = await this.client.histories(gone.length + this.watches.size + 8, QUICK);
      for (const [id, w] of gone) {
        // Not in the recent window (another client's prompts pushed it out)? Ask for it by id before calling it lost.
        const entry = entries[id] ?? (await this.client.history(id, QUICK));
        if (entry) this.finish(id, w, outcomeOf(entry, w.cachedNodes));
        else this.finish(id, w, { kind: 'vanished', reason: 'the prompt vanished from the queue and history (the server restarted or lost it)' });
      }
    } catch (err) {
      // Unreachable server (restarting) is not a verdict on any prompt; an auth failure is worth saying.
      if (err instanceof GpuburstError && err.code === 'ERR_AUTH') this.log(err.message);
    } finally {
      this.polling = false;
    }
  }

  private giveUp(silentMs: number): void {
    const reason = `the server did not answer for ${Math.round(silentMs / 1000)} s`;
    for (const [id, w] of [...this.watches]) this.finish(id, w, { kind: 'unreachable', reason });
  }

  private log(line: string): void {
    this.opts.log?.(line);
  }
}

/** `map.set`, dropping the oldest entry past `max` (a Map keeps insertion order). */
function keepBounded<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.set(key, value);
  if (map.size > max) map.delete(map.keys().next().value as K);
}

/** The first entry, in insertion order, whose value passes `test`. */
function firstWhere<K, V>(map: Map<K, V>, test: (v: V) => boolean): [K, V] | undefined {
  for (const entry of map) if (test(entry[1])) return entry;
  return undefined;
}
