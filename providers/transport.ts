/**
 * The wire under the one HTTP client (./http): undici's `request`, with a deadline on every wait (connect, headers,
 * the whole body) and a cap on what is buffered. Real clouds go through HTTP(S)_PROXY / NO_PROXY when set; loopback
 * (the simulators, a local ComfyUI) is always direct. Nothing here knows providers or retries.
 */
import type { Readable } from 'stream';
import { Agent, Dispatcher, ProxyAgent, request } from 'undici';
import { BadInputError, GpuburstError } from './errors';
import { registerSecret } from './redact';

export interface Deadlines {
  /** TCP (+ TLS) connect. */
  connectMs: number;
  /** From sending to the response headers: what a server that accepts and never answers runs into. */
  headersMs: number;
  /** The whole body of a buffered answer; for a streamed one, the longest silence between two chunks. */
  bodyMs: number;
  /** Largest buffered body; a stream is never capped here (downloads write to disk as they go). */
  maxBodyBytes: number;
}

export interface WireRequest {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body?: string | Buffer | FormData;
  signal?: AbortSignal;
  deadlines: Deadlines;
  stream: boolean;
}

export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  /** Buffered body, or the open stream when `stream` was asked for (the caller must read or destroy it). */
  body: Buffer | Readable;
}

/** Why a request got no complete answer; `kind` lets the client phrase one line and decide on a retry. */
export class WireError extends Error {
  constructor(
    readonly kind: 'connect-timeout' | 'headers-timeout' | 'body-timeout' | 'too-large' | 'aborted' | 'network',
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\]|::1)$/i;
const dispatchers = new Map<string, Dispatcher>();
let override: Dispatcher | undefined;

/**
 * Sends every request through `dispatcher` instead (tests that intercept Node's own http module, such as nock, route
 * undici through it); undefined restores the default.
 */
export function useDispatcher(dispatcher: Dispatcher | undefined): void {
  override = dispatcher;
}

/** Shared pools, one per route (direct or a proxy) and connect deadline. */
function dispatcherFor(url: URL, connectMs: number): Dispatcher {
  if (override) return override;
  const proxy = proxyFor(url, process.env);
  const key = `${proxy ?? 'direct'}|${connectMs}`;
  let d = dispatchers.get(key);
  if (!d) {
    const connect = { timeout: connectMs };
    if (proxy) registerSecret(decodeURIComponent(new URL(proxy).password)); // undici sends it as Proxy-Authorization
    d = proxy ? new ProxyAgent({ uri: proxy, connect }) : new Agent({ connect });
    dispatchers.set(key, d);
  }
  return d;
}

/**
 * The proxy for `url` from HTTP_PROXY / HTTPS_PROXY (either case), or undefined for a direct connection: loopback
 * always, and hosts NO_PROXY names (`host`, `host:port`, `.domain` or `*.domain` for a domain and its subdomains,
 * `*` for all). Written here rather than undici's EnvHttpProxyAgent, which warns on stderr that it is experimental.
 */
export function proxyFor(url: URL, env: NodeJS.ProcessEnv): string | undefined {
  if (LOOPBACK.test(url.hostname)) return undefined;
  const raw = url.protocol === 'https:' ? env.HTTPS_PROXY || env.https_proxy : env.HTTP_PROXY || env.http_proxy;
  if (!raw) return undefined;
  // `proxy.corp:3128` without a scheme is common in these variables and means http.
  const proxy = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
  if (!URL.canParse(proxy)) throw new BadInputError(`the proxy variable's value "${redactUserinfo(raw)}" is not a proxy URL; accepted: http://host:port`);
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  for (const entry of (env.NO_PROXY || env.no_proxy || '').toLowerCase().split(/[\s,]+/)) {
    if (entry === '*') return undefined;
    const m = /^(?:\*?\.)?(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(entry);
    if (!m || (m[2] && m[2] !== port)) continue;
    const name = m[1].replace(/^\[|\]$/g, '');
    if (host === name || host.endsWith(`.${name}`)) return undefined;
  }
  return proxy;
}

export async function send(req: WireRequest): Promise<WireResponse> {
  const { deadlines } = req;
  // Our own timer for the headers deadline: undici's timers tick every half second, so its 1 s deadline fired at up
  // to 1.5 s, which a short heartbeat window on the machine's watchdog does not forgive.
  const ac = new AbortController();
  const onAbort = () => ac.abort();
  if (req.signal?.aborted) ac.abort();
  req.signal?.addEventListener('abort', onAbort, { once: true });
  const release = () => req.signal?.removeEventListener('abort', onAbort);
  let late = false;
  const timer = setTimeout(() => ((late = true), ac.abort()), deadlines.headersMs);
  let res: Dispatcher.ResponseData;
  try {
    res = await request(req.url, {
      method: req.method as Dispatcher.HttpMethod,
      headers: req.headers,
      body: req.body,
      signal: ac.signal,
      dispatcher: dispatcherFor(req.url, deadlines.connectMs),
      headersTimeout: deadlines.headersMs + 1000, // a backstop only
      bodyTimeout: deadlines.bodyMs,
      maxRedirections: 0,
    });
  } catch (err) {
    release();
    if (err instanceof GpuburstError) throw err; // a proxy variable that is not a URL
    throw late ? new WireError('headers-timeout', 'no response headers in time') : wireError(err);
  } finally {
    clearTimeout(timer);
  }
  const headers = flattenHeaders(res.headers);
  if (req.stream) {
    // The caller's signal still ends a body being streamed; the listener goes with the body.
    res.body.once('close', release);
    return { status: res.statusCode, headers, body: res.body };
  }
  try {
    return { status: res.statusCode, headers, body: await readCapped(res.body, headers, deadlines) };
  } finally {
    release();
  }
}

/** Reads a whole body within the body deadline and the size cap. */
function readCapped(body: Readable, headers: Record<string, string>, d: Deadlines): Promise<Buffer> {
  const declared = Number(headers['content-length']);
  if (declared > d.maxBodyBytes) {
    discard(body);
    return Promise.reject(new WireError('too-large', `declared ${declared} bytes`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => fail(new WireError('body-timeout', 'whole-body deadline')), d.bodyMs);
    const fail = (err: unknown) => {
      clearTimeout(timer);
      discard(body);
      reject(err instanceof WireError ? err : wireError(err));
    };
    body.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > d.maxBodyBytes) return fail(new WireError('too-large', `more than ${d.maxBodyBytes} bytes`));
      chunks.push(chunk);
    });
    body.once('error', fail);
    body.once('end', () => {
      clearTimeout(timer);
      resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    });
  });
}

/** Drops a body unread; undici reports its own abort as an error, which nobody needs to hear. */
export function discard(body: Readable): void {
  body.on('error', () => undefined);
  body.destroy();
}

/** undici's error codes onto the few kinds the client words differently. */
export function wireError(err: unknown): WireError {
  if (err instanceof WireError) return err;
  const code = String((err as { code?: unknown })?.code ?? '');
  const name = (err as Error)?.name;
  const message = (err as Error)?.message ?? String(err);
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return new WireError('connect-timeout', message, code);
  if (code === 'UND_ERR_HEADERS_TIMEOUT') return new WireError('headers-timeout', message, code);
  if (code === 'UND_ERR_BODY_TIMEOUT') return new WireError('body-timeout', message, code);
  if (code === 'UND_ERR_ABORTED' || name === 'AbortError' || code === 'ABORT_ERR') return new WireError('aborted', message, code);
  // undici wraps the socket's own error (ECONNREFUSED, ECONNRESET…) or reports UND_ERR_SOCKET with it as cause.
  const cause = String((err as { cause?: { code?: unknown } })?.cause?.code ?? '');
  return new WireError('network', message, /^E[A-Z]/.test(code) ? code : cause || code || undefined);
}

function redactUserinfo(value: string): string {
  return value.replace(/\/\/[^@/]*@/, '//***@');
}

function flattenHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k in h) {
    const v = h[k];
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}
