/**
 * The wire under the one HTTP client (./http): undici's `request`, with a deadline on every wait (connect, headers,
 * the whole body) and a cap on what is buffered. Real clouds go through HTTP(S)_PROXY / NO_PROXY when set; loopback
 * (the simulators, a local ComfyUI) is always direct. A direct streamed GET (an output pull) takes ./lean-get instead.
 * Nothing here knows providers or retries.
 */
import { Agent, Dispatcher, ProxyAgent } from 'undici';
import { BadInputError, GpuburstError } from './errors';
import { leanGet } from './lean-get';
import { registerSecret } from './redact';
import { cancelled, WireError, wireError, type Deadlines, type WireRequest, type WireResponse } from './wire';
import { WireBody } from './wire-body';

export { WireBody, WireError, wireError };
export type { Deadlines, WireRequest, WireResponse };

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
 * One request. A direct streamed GET goes through ./lean-get: undici's receive path cost twice the CPU per byte of
 * curl on loopback and made the pull CPU-bound (docs/benchmarks.md, comfy-pull). Everything else, and every request
 * while a test dispatcher is set (nock sees only Node's http), goes through undici.
 */
export function send(req: WireRequest): Promise<WireResponse> {
  return goesLean(req) ? leanGet(req, () => sendViaUndici(req)) : sendViaUndici(req);
}

function goesLean(req: WireRequest): boolean {
  if (override || !req.stream || req.method !== 'GET' || req.body !== undefined) return false;
  if (req.url.protocol !== 'http:' && req.url.protocol !== 'https:') return false;
  try {
    return proxyFor(req.url, process.env) === undefined;
  } catch {
    return false; // a proxy variable that is not a URL: the undici path words the refusal
  }
}

/**
 * One request through undici's `dispatch` with a handler of our own: no Readable per response and no per-request
 * AbortSignal plumbing, which `request()` adds (0.07–0.11 ms of CPU per small request against 0.03 ms here, measured
 * on loopback; docs/benchmarks.md). A buffered answer resolves with its whole body; a streamed one resolves at the
 * headers with a WireBody the caller pipes or cancels.
 */
function sendViaUndici(req: WireRequest): Promise<WireResponse> {
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
    const onAbort = () => cancel(cancelled());
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
        // A HEAD answer's Content-Length is the size of what a GET would send (a model's GBs), not a body.
        const declared = req.method === 'HEAD' ? 0 : Number(headers['content-length']);
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
    if (req.signal?.aborted) pendingAbort = cancelled();
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
