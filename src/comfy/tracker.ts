/**
 * Follows prompts to their end. Websocket events are the fast path; `/queue` + `/history/{id}` polling is the
 * truth whenever the socket is closed, silent for too long, or simply as a periodic safety check (events can be
 * lost without the socket closing, reference §6). A prompt that is neither queued nor in history has vanished
 * (server restart, §1.0): the queue is read before the history so a prompt finishing in between is never
 * mistaken for a vanished one.
 */
import { GpuburstError } from '../../providers/errors';
import { defaultSleep } from '../../providers/http';
import type { ComfyClient } from './client';
import type { ComfySocket } from './socket';
import { PromptOutcome, outcomeOf } from './outcome';
import type { WsMessage } from './types';

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
  log?: (line: string) => void;
}

interface Watch {
  handlers: WatchHandlers;
  resolve: (o: PromptOutcome) => void;
  running: boolean;
  settling: boolean;
  cachedNodes: string[];
  /** Order of registration: a poll judges only watches that existed before its queue snapshot. */
  seq: number;
  /** Settles after an end event if `executing null` (sent once history is written) does not follow. */
  endTimer?: NodeJS.Timeout;
}

const ENDED_FALLBACK_MS = 300;

export class PromptTracker {
  private readonly watches = new Map<string, Watch>();
  private readonly opts: Required<Omit<TrackerOptions, 'log'>> & TrackerOptions;
  private timer?: NodeJS.Timeout;
  private polling = false;
  private lastPollAt = 0;
  private lastReconnectAt = 0;
  private seq = 0;
  private lastContactAt = Date.now();
  /**
   * Events of prompts not watched yet: a fast prompt can start and finish between the `/prompt` answer and the
   * `watch` call. Bounded; replayed by `watch`.
   */
  private readonly early = new Map<string, { running: boolean; ended: boolean; cachedNodes: string[] }>();
  private readonly onMessage = (m: WsMessage) => this.handle(m);
  private readonly onOpen = () => void this.poll();

  constructor(
    private readonly client: ComfyClient,
    private readonly socket: ComfySocket,
    opts: TrackerOptions = {},
  ) {
    this.opts = { pollMs: 1000, wsSilenceMs: 10_000, safetyPollMs: 5000, historyGraceMs: 3000, unreachableMs: 300_000, ...opts };
    socket.on('message', this.onMessage);
    socket.on('open', this.onOpen); // reconcile whatever happened while we were away
    this.timer = setInterval(() => this.tick(), Math.max(20, Math.min(this.opts.pollMs, this.opts.wsSilenceMs) / 2));
    this.timer.unref?.();
  }

  get size(): number {
    return this.watches.size;
  }

  /** Resolves once the prompt succeeded, failed, was interrupted or vanished. Never rejects. */
  watch(promptId: string, handlers: WatchHandlers = {}): Promise<PromptOutcome> {
    return new Promise((resolve) => {
      const w: Watch = { handlers, resolve, running: false, settling: false, cachedNodes: [], seq: ++this.seq };
      this.watches.set(promptId, w);
      const seen = this.early.get(promptId);
      if (!seen) return;
      this.early.delete(promptId);
      w.cachedNodes = seen.cachedNodes;
      if (seen.running || seen.ended) this.markRunning(w);
      if (seen.ended) void this.settle(promptId, w);
    });
  }

  /** Look at the queue on the next tick: prompts were just deleted from it, and no websocket message says so. */
  pollSoon(): void {
    this.lastPollAt = 0;
  }

  close(): void {
    clearInterval(this.timer);
    for (const w of this.watches.values()) clearTimeout(w.endTimer);
    this.socket.off('message', this.onMessage);
    this.socket.off('open', this.onOpen);
  }

  private handle(m: WsMessage): void {
    this.lastContactAt = Date.now();
    const id = typeof m.data.prompt_id === 'string' ? m.data.prompt_id : undefined;
    if (!id) return;
    const w = this.watches.get(id);
    if (!w) return this.remember(id, m);
    switch (m.type) {
      case 'execution_start':
        return this.markRunning(w);
      case 'execution_cached':
        w.cachedNodes = Array.isArray(m.data.nodes) ? m.data.nodes.map(String) : [];
        return;
      case 'executing':
        if (m.data.node === null || m.data.node === undefined) return void this.settle(id, w);
        return this.markRunning(w);
      case 'progress':
        this.markRunning(w);
        return w.handlers.onProgress?.(Number(m.data.value), Number(m.data.max), m.data.node as string | undefined);
      case 'execution_success':
      case 'execution_error':
      case 'execution_interrupted':
        // History is written just after these; `executing null` follows once it is. Reading it now would race.
        clearTimeout(w.endTimer);
        w.endTimer = setTimeout(() => void this.settle(id, w), ENDED_FALLBACK_MS);
        return;
    }
  }

  private remember(id: string, m: WsMessage): void {
    const seen = this.early.get(id) ?? { running: false, ended: false, cachedNodes: [] };
    if (m.type === 'execution_cached' && Array.isArray(m.data.nodes)) seen.cachedNodes = m.data.nodes.map(String);
    else if (['execution_success', 'execution_error', 'execution_interrupted'].includes(m.type) || (m.type === 'executing' && m.data.node == null)) seen.ended = true;
    else seen.running = true;
    this.early.set(id, seen);
    if (this.early.size > 1000) this.early.delete(this.early.keys().next().value as string);
  }

  private markRunning(w: Watch): void {
    if (w.running) return;
    w.running = true;
    w.handlers.onRunning?.();
  }

  /** After a completion event: read the history entry, allowing for the moment before ComfyUI writes it. */
  private async settle(id: string, w: Watch): Promise<void> {
    if (w.settling) return;
    w.settling = true;
    const deadline = Date.now() + this.opts.historyGraceMs;
    try {
      for (let delay = 10; this.watches.get(id) === w; delay = Math.min(delay * 2, 200)) {
        const entry = await this.client.history(id, { retry: false });
        if (entry) return this.finish(id, w, outcomeOf(entry, w.cachedNodes));
        if (Date.now() >= deadline) break;
        await defaultSleep(delay);
      }
    } catch (err) {
      this.log(`history of ${id} unreadable after its completion event (${(err as Error).message}); polling`);
    } finally {
      w.settling = false;
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
      const q = await this.client.queue({ retry: false, timeoutMs: 10_000 });
      this.lastContactAt = Date.now();
      const running = new Set(q.running);
      const queued = new Set([...q.running, ...q.pending]);
      for (const [id, w] of [...this.watches]) {
        if (running.has(id)) this.markRunning(w);
        if (queued.has(id) || w.settling || w.seq > seqAtSnapshot) continue;
        const entry = await this.client.history(id, { retry: false, timeoutMs: 10_000 });
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
