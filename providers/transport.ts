/**
 * The wire under the one HTTP client (./http): undici's `request`, with a deadline on every wait (connect, headers,
 * the whole body) and a cap on what is buffered. Real clouds go through HTTP(S)_PROXY / NO_PROXY when set; loopback
 * (the simulators, a local ComfyUI) is always direct. Nothing here knows providers or retries.
 */
import { Agent, Dispatcher, ProxyAgent } from 'undici';
import { BadInputError, GpuburstError } from './errors';
import { registerSecret } from './redact';
import { WireBody } from './wire-body';

export { WireBody };

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
  /** Buffered body, or the unread body when `stream` was asked for (the caller must pipe or cancel it). */
  body: Buffer | WireBody;
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

/**
 * One request through undici's `dispatch` with a handler of our own: no Readable per response and no per-request
 * AbortSignal plumbing, which `request()` adds (0.07–0.11 ms of CPU per small request against 0.03 ms here, measured
 * on loopback; docs/benchmarks.md). A buffered answer resolves with its whole body; a streamed one resolves at the
 * headers with a WireBody the caller pipes or cancels.
 */
export function send(req: WireRequest): Promise<WireResponse> {
  const { deadlines } = req;
  return new Promise((resolve, reject) => {
    let abort: ((err: Error) => void) | undefined;
    let pendingAbort: Error | undefined;
    let response: WireResponse | undefined;
    let body: WireBody | undefined;
    let resume: () => void = () => undefined;
    const chunks: Buffer[] = [];
    let size = 0;
    let bodyTimer: NodeJS.Timeout | undefined;
    let finished = false;
    // Before a socket is assigned there is nothing to abort yet: the promise ends now, the request when it connects.
    const cancel = (err: Error) => {
      if (abort) return abort(err);
      pendingAbort ??= err;
      fail(err);
    };
    const onAbort = () => cancel(new WireError('aborted', 'the request was cancelled', 'ABORT_ERR'));
    const done = () => {
      finished = true;
      clearTimeout(headersTimer);
      clearTimeout(bodyTimer);
      req.signal?.removeEventListener('abort', onAbort);
    };
    // Our own timer for the headers deadline: undici's timers tick every half second, so its 1 s deadline fired at up
    // to 1.5 s, which a short heartbeat window on the machine's watchdog does not forgive.
    const headersTimer = setTimeout(() => cancel(new WireError('headers-timeout', 'no response headers in time')), deadlines.headersMs);
    const fail = (err: unknown) => {
      if (finished) return;
      done();
      const e = wireError(err);
      if (body) body.fail(e);
      else reject(e);
    };
    const handler: Dispatcher.DispatchHandlers = {
      onConnect: (abortRequest) => {
        abort = abortRequest;
        if (pendingAbort) abortRequest(pendingAbort);
      },
      onHeaders: (status, rawHeaders, resumeSocket) => {
        clearTimeout(headersTimer);
        resume = resumeSocket;
        const headers = flattenHeaders(rawHeaders as unknown as (Buffer | string)[]);
        if (req.stream) {
          body = new WireBody(() => resume(), cancel);
          resolve({ status, headers, body });
          return true;
        }
        const declared = Number(headers['content-length']);
        if (declared > deadlines.maxBodyBytes) {
          cancel(new WireError('too-large', `declared ${declared} bytes`));
          return false;
        }
        response = { status, headers, body: EMPTY };
        bodyTimer = setTimeout(() => cancel(new WireError('body-timeout', 'whole-body deadline')), deadlines.bodyMs);
        return true;
      },
      onData: (chunk) => {
        if (body) return body.push(chunk);
        size += chunk.length;
        if (size > deadlines.maxBodyBytes) {
          cancel(new WireError('too-large', `more than ${deadlines.maxBodyBytes} bytes`));
          return false;
        }
        chunks.push(chunk);
        return true;
      },
      onComplete: () => {
        if (finished) return;
        done();
        if (body) return body.end();
        resolve({ ...response!, body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size) });
      },
      onError: fail,
    };
    if (req.signal?.aborted) pendingAbort = new WireError('aborted', 'the request was cancelled', 'ABORT_ERR');
    req.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      dispatcherFor(req.url, deadlines.connectMs).dispatch(
        {
          origin: req.url.origin,
          path: req.url.pathname + req.url.search,
          method: req.method as Dispatcher.HttpMethod,
          headers: req.headers,
          body: req.body as Dispatcher.DispatchOptions['body'],
          headersTimeout: deadlines.headersMs + 1000, // a backstop only
          bodyTimeout: deadlines.bodyMs,
        },
        handler,
      );
    } catch (err) {
      done();
      if (err instanceof GpuburstError) return reject(err); // a proxy variable that is not a URL
      reject(wireError(err));
    }
  });
}

const EMPTY = Buffer.alloc(0);

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

/** undici's raw headers (name, value, name, value…; Buffers, or strings from a test dispatcher) by lower-case name. */
function flattenHeaders(raw: (Buffer | string)[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i].toString('latin1').toLowerCase();
    const value = raw[i + 1].toString('utf8');
    out[name] = out[name] === undefined ? value : `${out[name]}, ${value}`;
  }
  return out;
}
