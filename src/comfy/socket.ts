/**
 * The `/ws?clientId=` event stream (reference §2), kept open with reconnects. ComfyUI sends no heartbeat and a
 * socket can stay open while delivering nothing (§6 pitfalls 1 and 3), so this class pings (aiohttp answers a ping
 * with a pong by itself) and reports what it sees, pongs included; the tracker decides when silence means "poll
 * instead". The pings matter when our prompts' own events are not sent to us (tracker `quiet`): then a long prompt
 * brings no frame at all for minutes, and only the pong says the connection still works.
 */
import { EventEmitter } from 'events';
import WebSocket from 'ws';
import { backoffMs } from '../../providers/retry';
import type { ComfyClient } from './client';
import type { WsMessage } from './types';

/** ComfyUI writes `{"type": T, "data": …}` with the type first (§2.3); anything else is parsed in full. */
const TYPE_AT_START = /^\s*\{\s*"type"\s*:\s*"([A-Za-z0-9_.:-]+)"/;

export interface SocketOptions {
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** Give up on one connection attempt after this long. */
  openTimeoutMs?: number;
  /** A ping this often while open; its pong counts as contact. @default 4000 */
  pingMs?: number;
  /** Whose events to receive: ComfyUI sends a prompt's events to the socket of the client id it carries. @default the client's */
  clientId?: string;
}

export class ComfySocket extends EventEmitter {
  /** Time of the last frame received (Date.now()), 0 before the first. */
  lastMessageAt = 0;
  /** Frames worth parsing and emitting, judged by type (and the raw frame); unset: all. */
  accept?: (type: string, frame: Buffer) => boolean;
  private ws?: WebSocket;
  private closed = false;
  private failures = 0;
  private timer?: NodeJS.Timeout;
  private pinger?: NodeJS.Timeout;
  private readonly opts: Required<Omit<SocketOptions, 'clientId'>> & SocketOptions;

  constructor(
    private readonly client: ComfyClient,
    opts: SocketOptions = {},
  ) {
    super();
    this.opts = { reconnectMinMs: 200, reconnectMaxMs: 5000, openTimeoutMs: 10_000, pingMs: 4000, ...opts };
  }

  get connected(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  start(): void {
    if (!this.ws && !this.closed) this.connect();
  }

  /** Drops the current connection and opens a new one (used after a silence). */
  reconnect(): void {
    if (this.closed) return;
    this.ws?.terminate();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    clearInterval(this.pinger);
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      ws.once('close', () => resolve());
      ws.terminate();
    });
  }

  private connect(): void {
    const { url, headers } = this.client.wsTarget(this.opts.clientId);
    const ws = new WebSocket(url, { headers, handshakeTimeout: this.opts.openTimeoutMs, perMessageDeflate: false });
    this.ws = ws;
    ws.on('open', () => {
      this.failures = 0;
      this.lastMessageAt = Date.now();
      clearInterval(this.pinger);
      this.pinger = setInterval(() => ws.readyState === WebSocket.OPEN && ws.ping(), this.opts.pingMs);
      this.pinger.unref?.();
      this.emit('open');
    });
    ws.on('pong', () => (this.lastMessageAt = Date.now()));
    ws.on('message', (data, isBinary) => {
      this.lastMessageAt = Date.now();
      if (isBinary) return; // previews: not needed for batch rendering
      const buf = data as Buffer;
      // Most frames are step progress; a frame whose type nobody wants is counted as contact and not parsed.
      const type = this.accept && TYPE_AT_START.exec(buf.toString('latin1', 0, 64))?.[1];
      if (type && !this.accept!(type, buf)) return;
      let msg: WsMessage;
      try {
        msg = JSON.parse(buf.toString());
      } catch {
        return;
      }
      if (msg && typeof msg.type === 'string') this.emit('message', { type: msg.type, data: msg.data ?? {} });
    });
    // Errors (refused, auth redirect, handshake timeout) end in 'close'; polling covers the gap meanwhile.
    ws.on('error', () => undefined);
    ws.on('unexpected-response', (_req, res) => {
      this.emit('refused', res.statusCode);
      ws.terminate();
    });
    ws.on('close', () => {
      if (this.ws === ws) this.ws = undefined;
      clearInterval(this.pinger);
      this.emit('close');
      if (this.closed) return;
      // Jittered, so many clients of one restarted server do not all knock at once.
      const delay = backoffMs(++this.failures, this.opts.reconnectMinMs, this.opts.reconnectMaxMs);
      this.timer = setTimeout(() => this.connect(), delay);
    });
  }
}
