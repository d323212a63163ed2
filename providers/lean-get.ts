/**
 * Streamed GETs (output pulls from `/view`) on plain sockets: each connection reads into ONE static buffer
 * (`onread`), and the body's chunks go to the WireBody as views of that buffer. undici's receive path costs a
 * stream concat, a copy into llhttp's wasm memory and a fresh 64 KB buffer per read; on loopback (200 × 5 MB, 4 at a
 * time) that was ~1.3 s CPU per GiB and 66% of curl's speed, against ~0.5 s per GiB for a static-buffer reader.
 *
 * Only the plain answer is read here: a final response with Content-Length and no Transfer-Encoding (what ComfyUI's
 * /view sends). Anything else (chunked, no length, 1xx) closes the socket and goes through undici instead, that
 * request and every later one to the same origin (a GET may be sent twice). Sockets come from ./lean-pool.
 */
import { connect, keepAliveMs, release, takeIdle, type Connection, type Reader } from './lean-pool';
import { cancelled, WireError, type WireRequest, type WireResponse } from './wire';
import { WireBody } from './wire-body';

const MAX_HEAD_BYTES = 64 * 1024;
/** undici's code for an answer cut by the server's close (and below, its timeout codes): callers see one set. */
const CLOSED_EARLY = 'UND_ERR_SOCKET';
const HEAD_END = Buffer.from('\r\n\r\n');

const undiciOrigins = new Set<string>();

/** Sends `req` (a direct streamed GET) here, or through `viaUndici` for an origin that answered what this cannot read. */
export function leanGet(req: WireRequest, viaUndici: () => Promise<WireResponse>): Promise<WireResponse> {
  if (undiciOrigins.has(req.url.origin) || !plainHeaders(req.headers)) return viaUndici();
  return new Promise((resolve, reject) => new Exchange(req, resolve, reject, viaUndici).start());
}

class Exchange implements Reader {
  private readonly key: string;
  private conn?: Connection;
  private head?: Buffer;
  private body?: WireBody;
  private remaining = 0;
  private keepAliveMs = 0;
  private gotBytes = false;
  private retried = false;
  private finished = false;
  private headersTimer?: NodeJS.Timeout;
  private bodyTimer?: NodeJS.Timeout;
  private readonly onAbort = () => this.fail(cancelled());

  constructor(
    private readonly req: WireRequest,
    private readonly resolve: (res: WireResponse) => void,
    private readonly reject: (err: Error) => void,
    private readonly viaUndici: () => Promise<WireResponse>,
  ) {
    this.key = `${req.url.origin}|${req.deadlines.connectMs}`;
  }

  start(): void {
    if (this.req.signal?.aborted) return this.onAbort();
    this.req.signal?.addEventListener('abort', this.onAbort, { once: true });
    this.headersTimer = setTimeout(() => this.fail(new WireError('headers-timeout', 'no response headers in time')), this.req.deadlines.headersMs);
    this.attach(takeIdle(this.key) ?? connect(this.req.url, this.key, this.req.deadlines.connectMs));
  }

  private attach(conn: Connection): void {
    this.conn = conn;
    conn.exchange = this;
    conn.socket.ref();
    conn.socket.write(requestHead(this.req));
  }

  onBytes(chunk: Buffer): void {
    this.gotBytes = true;
    if (!this.body) {
      const rest = this.readHead(chunk);
      if (!rest) return;
      chunk = rest;
    }
    if (chunk.length > this.remaining) {
      this.keepAliveMs = 0; // bytes past the body: this socket's stream cannot be trusted again
      chunk = chunk.subarray(0, this.remaining);
    }
    if (chunk.length > 0) {
      this.remaining -= chunk.length;
      this.bodyTimer?.refresh();
      // The last bytes need no pause: the socket goes back to the pool reading (a pause and resume cost two epoll
      // calls and the stream's state machine per small pull).
      if (!this.body!.push(chunk) && this.remaining > 0) this.pause();
    }
    if (this.remaining === 0 && !this.finished) this.complete();
  }

  /** Collects the head; at its end answers the caller and returns the body bytes that came with it. */
  private readHead(chunk: Buffer): Buffer | undefined {
    const seen = this.head?.length ?? 0;
    const bytes = this.head ? Buffer.concat([this.head, chunk]) : chunk;
    const end = bytes.indexOf(HEAD_END, Math.max(0, seen - 3));
    if ((end < 0 ? bytes.length : end) > MAX_HEAD_BYTES) return void this.fail(new WireError('network', `response head over ${MAX_HEAD_BYTES} bytes`, 'HPE_HEADER_OVERFLOW'));
    if (end < 0) {
      this.head = this.head ? bytes : Buffer.from(chunk); // a copy: the read buffer is reused
      return undefined;
    }
    const lines = bytes.toString('utf8', 0, end).split('\r\n');
    const status = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: |$)/.exec(lines[0]);
    if (!status) return void this.fail(new WireError('network', 'the answer is not HTTP/1.x', 'HPE_INVALID_CONSTANT'));
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon <= 0) return void this.toUndici(); // folded or broken lines: let the full parser judge
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    const code = Number(status[2]);
    const empty = code === 204 || code === 304;
    const length = headers['content-length'];
    if (code < 200 || headers['transfer-encoding'] !== undefined || (!empty && !/^\d+$/.test(length ?? ''))) return void this.toUndici();
    this.remaining = empty ? 0 : Number(length);
    this.keepAliveMs = status[1] === '1' && !/\bclose\b/i.test(headers.connection ?? '') ? keepAliveMs(headers['keep-alive']) : 0;
    clearTimeout(this.headersTimer);
    this.bodyTimer = setTimeout(() => this.fail(new WireError('body-timeout', 'the body went silent', 'UND_ERR_BODY_TIMEOUT')), this.req.deadlines.bodyMs);
    this.body = new WireBody(() => this.resume(), (err) => this.fail(err));
    this.resolve({ status: code, headers, body: this.body });
    return bytes.subarray(end + HEAD_END.length);
  }

  onClose(conn: Connection, err?: Error): void {
    if (this.finished || conn !== this.conn) return;
    conn.exchange = undefined;
    // A kept-alive socket the server closed while idle: nothing of this request was answered, so send it again.
    if (conn.reused && !this.gotBytes && !this.retried) {
      this.retried = true;
      return this.attach(connect(this.req.url, this.key, this.req.deadlines.connectMs));
    }
    const code = (err as NodeJS.ErrnoException | undefined)?.code;
    this.fail(err instanceof WireError ? err : new WireError('network', err?.message ?? 'the connection closed before a whole answer came', code ?? CLOSED_EARLY));
  }

  private complete(): void {
    this.end();
    release(this.conn!, this.keepAliveMs);
    this.body!.end();
  }

  private fail(err: Error): void {
    if (this.finished) return;
    this.end();
    this.conn?.socket.destroy(); // an unfinished body never goes back to the pool
    const e = err instanceof WireError ? err : new WireError('network', err.message);
    if (this.body) this.body.fail(e);
    else this.reject(e);
  }

  private toUndici(): void {
    undiciOrigins.add(this.req.url.origin);
    this.end();
    this.conn?.socket.destroy();
    this.viaUndici().then(this.resolve, this.reject);
  }

  private end(): void {
    this.finished = true;
    clearTimeout(this.headersTimer);
    clearTimeout(this.bodyTimer);
    this.req.signal?.removeEventListener('abort', this.onAbort);
    if (this.conn) this.conn.exchange = undefined;
  }

  /** Nobody reads yet (chunks are queued): the socket stops reading until the body is piped. */
  private pause(): void {
    if (this.finished || this.conn!.paused) return;
    this.conn!.paused = true;
    this.conn!.socket.pause();
  }

  private resume(): void {
    if (this.finished || !this.conn!.paused) return;
    this.conn!.paused = false;
    this.conn!.socket.resume();
  }
}

function plainHeaders(headers: Record<string, string>): boolean {
  for (const name in headers) if (/[\r\n\0:]/.test(name) || /[\r\n\0]/.test(headers[name]) || name.toLowerCase() === 'host') return false;
  return true;
}

function requestHead(req: WireRequest): string {
  let head = `GET ${req.url.pathname}${req.url.search} HTTP/1.1\r\nhost: ${req.url.host}\r\n`;
  for (const name in req.headers) head += `${name}: ${req.headers[name]}\r\n`;
  return `${head}\r\n`;
}
