/**
 * The `/ws` side of the simulator, as server.py does it (reference §2.1–2.2): sockets keyed by clientId (a new
 * socket with the same id replaces the old one in the map, and the old one's close still removes the id: the real
 * reconnect race), `sid = undefined` broadcasts, the first message is `status` with the sid, only a first
 * `feature_flags` message is answered (and decides the binary preview frame type), and a ping gets its pong.
 * Faults: drop every socket, or stay connected but send nothing (no pong either).
 */
import crypto from 'crypto';
import type { IncomingMessage } from 'http';
import type { Duplex } from 'stream';
import WebSocket, { WebSocketServer } from 'ws';

const SERVER_FEATURES = { supports_preview_metadata: true, max_upload_size: 104857600 };

export class Hub {
  readonly sockets = new Map<string, WebSocket>();
  /** Sockets whose first message announced `supports_preview_metadata`: they get type-4 preview frames. */
  private readonly previewMetadata = new WeakSet<WebSocket>();
  /** Fault: sockets stay open but receive nothing (a stalled server, §6 #1). */
  silent = false;
  // aiohttp answers pings itself (autoping); a stalled server does not, so the pong is ours to send or withhold.
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, autoPong: false });

  constructor(private readonly hello: (sid: string) => { type: string; data: unknown }[]) {}

  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, clientId: string | null): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const sid = clientId || crypto.randomUUID().replace(/-/g, '');
      this.sockets.set(sid, ws);
      let first = true;
      ws.on('message', (data, binary) => {
        if (binary || !first) return;
        first = false;
        try {
          const msg = JSON.parse(data.toString());
          if (msg?.type === 'feature_flags') {
            if (msg.data?.supports_preview_metadata === true) this.previewMetadata.add(ws);
            this.sendTo(ws, 'feature_flags', SERVER_FEATURES);
          }
        } catch {
          /* ignored, as server.py logs and moves on */
        }
      });
      ws.on('ping', (data) => this.silent || ws.pong(data));
      ws.on('error', () => undefined);
      // server.py's `finally: self.sockets.pop(sid)` runs even if a newer socket took the id meanwhile.
      ws.on('close', () => this.sockets.delete(sid));
      for (const m of this.hello(sid)) this.sendTo(ws, m.type, m.data);
    });
  }

  /** `send_sync(event, data, sid)`: to one client id, or to everyone when sid is undefined. */
  send(type: string, data: unknown, sid?: string | null): void {
    if (sid === undefined || sid === null) {
      for (const ws of this.sockets.values()) this.sendTo(ws, type, data);
    } else {
      const ws = this.sockets.get(sid);
      if (ws) this.sendTo(ws, type, data);
    }
  }

  /**
   * An image frame (reference §2.5): `[u32 1][u32 image_type][bytes]` (1 = JPEG, 2 = PNG), or, for a client that
   * announced preview metadata, `[u32 4][u32 json_len][json][bytes]`. Same routing as `send`.
   */
  sendImage(image: Buffer, mime: 'image/png' | 'image/jpeg', meta: Record<string, unknown>, sid?: string | null): void {
    const targets = sid === undefined || sid === null ? [...this.sockets.values()] : [this.sockets.get(sid)].filter((w): w is WebSocket => w !== undefined);
    for (const ws of targets) {
      if (this.silent || ws.readyState !== WebSocket.OPEN) continue;
      let head: Buffer;
      if (this.previewMetadata.has(ws)) {
        const json = Buffer.from(JSON.stringify({ ...meta, image_type: mime }));
        head = Buffer.alloc(8);
        head.writeUInt32BE(4, 0);
        head.writeUInt32BE(json.length, 4);
        head = Buffer.concat([head, json]);
      } else {
        head = Buffer.alloc(8);
        head.writeUInt32BE(1, 0);
        head.writeUInt32BE(mime === 'image/png' ? 2 : 1, 4);
      }
      ws.send(Buffer.concat([head, image]));
    }
  }

  dropAll(): void {
    for (const ws of this.wss.clients) ws.terminate();
  }

  close(): void {
    this.dropAll();
    this.wss.close();
  }

  private sendTo(ws: WebSocket, type: string, data: unknown): void {
    if (this.silent || ws.readyState !== WebSocket.OPEN) return;
    ws.send(JSON.stringify({ type, data }));
  }
}
