/**
 * The sockets of ./lean-get: one keep-alive pool per origin and connect deadline, like undici's Agent (idle sockets
 * reused, at most a few kept, unref'd and closed after a few seconds), TLS with `servername` and the default
 * certificate checks. Each socket reads into its own static buffer (`onread`) and hands the bytes to the request
 * that owns it.
 */
import net from 'net';
import tls from 'tls';
import { WireError } from './wire';

const READ_BYTES = 64 * 1024;
const MAX_IDLE_PER_ORIGIN = 8;
/** undici's default keep-alive; servers close idle sockets after ~5 s (Node) to 75 s (aiohttp). */
const IDLE_MS = 4000;

/** The request that owns a socket. */
export interface Reader {
  /** `chunk` is a view of the socket's read buffer, valid only during this call. */
  onBytes(chunk: Buffer): void;
  /** The socket ended or failed while this request owned it. */
  onClose(conn: Connection, err?: Error): void;
}

export interface Connection {
  socket: net.Socket;
  key: string;
  /** The request reading from this socket; undefined while idle. */
  exchange?: Reader;
  /** Has carried a whole answer: a failure before the next answer's first byte may be the server's idle close. */
  reused: boolean;
  paused: boolean;
  idleTimer?: NodeJS.Timeout;
}

const idle = new Map<string, Connection[]>();

/** A new socket; its deadline covers TCP and TLS. */
export function connect(url: URL, key: string, connectMs: number): Connection {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const secure = url.protocol === 'https:';
  const port = Number(url.port) || (secure ? 443 : 80);
  const conn = { key, reused: false, paused: false } as Connection;
  const onread = { buffer: Buffer.allocUnsafe(READ_BYTES), callback: (n: number, buffer: Buffer) => read(conn, buffer.subarray(0, n)) };
  // Node 20 accepts `onread` on tls.connect too; its types list it for net only.
  const socket = secure ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, onread } as tls.ConnectionOptions) : net.connect({ host, port, onread });
  conn.socket = socket;
  const timer = setTimeout(() => socket.destroy(new WireError('connect-timeout', `no connection within ${connectMs} ms`, 'UND_ERR_CONNECT_TIMEOUT')), connectMs);
  socket.once(secure ? 'secureConnect' : 'connect', () => clearTimeout(timer));
  const closed = (err?: Error) => {
    clearTimeout(timer);
    drop(conn);
    conn.exchange?.onClose(conn, err);
  };
  socket.on('error', closed);
  socket.on('end', () => closed());
  socket.on('close', () => closed());
  return conn;
}

/** True: Node keeps reading unless the exchange paused the socket itself. */
function read(conn: Connection, chunk: Buffer): boolean {
  if (conn.exchange) conn.exchange.onBytes(chunk);
  else conn.socket.destroy(); // bytes nobody asked for
  return true;
}

export function takeIdle(key: string): Connection | undefined {
  const list = idle.get(key);
  for (let conn = list?.pop(); conn; conn = list?.pop()) {
    clearTimeout(conn.idleTimer);
    if (!conn.socket.destroyed) return conn;
  }
  return undefined;
}

/** Back to the pool (unref'd: an idle socket never keeps the process alive), or closed. */
export function release(conn: Connection, keepAliveMs: number): void {
  const list = idle.get(conn.key) ?? [];
  if (keepAliveMs <= 0 || list.length >= MAX_IDLE_PER_ORIGIN || conn.socket.destroyed) return void conn.socket.destroy();
  conn.reused = true;
  if (conn.paused) (conn.paused = false), conn.socket.resume(); // reading again, to notice the server's close
  conn.socket.unref();
  conn.idleTimer = setTimeout(() => conn.socket.destroy(), keepAliveMs).unref();
  list.push(conn);
  idle.set(conn.key, list);
}

function drop(conn: Connection): void {
  clearTimeout(conn.idleTimer);
  const list = idle.get(conn.key);
  const at = list?.indexOf(conn) ?? -1;
  if (at >= 0) list!.splice(at, 1);
}

/** The server's `Keep-Alive: timeout=N` less a second of margin, at most our own idle time. */
export function keepAliveMs(hint: string | undefined): number {
  const seconds = Number(/timeout=(\d+)/i.exec(hint ?? '')?.[1]);
  return Number.isFinite(seconds) ? Math.min(IDLE_MS, (seconds - 1) * 1000) : IDLE_MS;
}
