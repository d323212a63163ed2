/**
 * The one HTTP client. Auth headers, deadlines, retry with backoff + jitter + Retry-After, per-provider rate limits,
 * key redaction and error translation live here and nowhere else; ./transport is the wire (undici). Creates are not
 * retried here (`retry: false`); see ./create-once for the look-up-before-retry rule.
 */
import { BadInputError, GpuburstError, ProviderError, RateLimitError, TransientError } from './errors';
import { describeBody, type HttpMethod } from './response';
import { sleep } from './poll';
import { isHttpUrl } from './http-url';
import { redact, registerSecret } from './redact';
import { parseRetryAfter, retryDelayMs } from './retry';
import { Deadlines, WireBody, WireError, send, wireError } from './transport';
import type { ProviderName } from './types';

export { useDispatcher } from './transport';

export type { HttpMethod };

/** A response the provider answered with an error (status >= 300, or a 2xx body the adapter rejects). */
export interface HttpFailure {
  status: number;
  headers: Record<string, string>;
  data: unknown;
  method: HttpMethod;
  path: string;
  retryAfterSeconds?: number;
}

/** Minimum spacing between requests matching a rule (Lambda: 1 request/s; launch: 1 per 12 s). */
export interface RateRule {
  name: string;
  match: (method: HttpMethod, path: string) => boolean;
  minIntervalMs: number;
}

export interface HttpClientOptions {
  provider: ProviderName | 'comfyui';
  baseUrl: string;
  /** Sent on every request; every value is registered as a secret. */
  headers?: Record<string, string>;
  /** Longest wait for the response headers (a server that accepts and never answers). @default 30000 */
  timeoutMs?: number;
  /** Longest TCP + TLS connect. @default 10000 */
  connectTimeoutMs?: number;
  /** Longest wait for a whole buffered body; for a stream, the longest silence between chunks. @default 60000 */
  bodyTimeoutMs?: number;
  /** Largest buffered (JSON, text) body. @default 16 MiB */
  maxBodyBytes?: number;
  maxRetries?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  rateRules?: RateRule[];
  /** Provider-specific mapping of an error response onto the typed error family. */
  translate: (failure: HttpFailure) => GpuburstError;
  /** Receives one redacted line per retry or wait, for verbose logs. */
  log?: (line: string) => void;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

export interface HttpRequest {
  method: HttpMethod;
  /** Appended to baseUrl. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
  /** Retry transient failures. Defaults to true for GET/HEAD/PUT/DELETE and false for POST/PATCH. */
  retry?: boolean;
  /** Headers deadline of this request (see HttpClientOptions.timeoutMs). */
  timeoutMs?: number;
  bodyTimeoutMs?: number;
  maxBodyBytes?: number;
  signal?: AbortSignal;
  /** 'stream': a Readable; 'body': the unread WireBody (piped straight into a sink, no stream layer). */
  responseType?: 'json' | 'text' | 'stream' | 'body' | 'arraybuffer';
  /** Reject a 2xx body that is really an error (GraphQL `errors`, ComfyUI `node_errors`). */
  check?: (data: unknown, status: number) => GpuburstError | undefined;
}

export interface HttpResponse<T> {
  status: number;
  headers: Record<string, string>;
  data: T;
}

const RETRYABLE_STATUS = new Set([408, 425, 429, 500, 502, 503, 504, 520, 522, 524]);
const MiB = 1024 * 1024;

export class HttpClient {
  readonly provider: ProviderName | 'comfyui';
  readonly baseUrl: string;
  private readonly opts: HttpClientOptions;
  private readonly deadlines: Deadlines;
  private readonly headers: Record<string, string>;
  private readonly nextAllowed = new Map<string, number>();
  private gate: Promise<void> = Promise.resolve();

  constructor(opts: HttpClientOptions) {
    this.provider = opts.provider;
    if (!isHttpUrl(opts.baseUrl)) throw new BadInputError(`${opts.provider}: "${redact(opts.baseUrl)}" is not accepted as a base URL; accepted: an http:// or https:// URL without ?query or #fragment`);
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.opts = opts;
    // `?? default` and not a spread: adapters pass `timeoutMs: undefined`, which a spread turns into "no deadline".
    this.deadlines = {
      connectMs: opts.connectTimeoutMs ?? 10_000,
      headersMs: opts.timeoutMs ?? 30_000,
      // A short headers deadline (GPUBURST_<CLOUD>_TIMEOUT_MS) also shortens the body's: a stalled body is no better.
      bodyMs: opts.bodyTimeoutMs ?? Math.min(60_000, 2 * (opts.timeoutMs ?? 30_000)),
      maxBodyBytes: opts.maxBodyBytes ?? 16 * MiB,
    };
    this.headers = lowerKeys(opts.headers);
    for (const v of Object.values(this.headers)) registerSecret(v.replace(/^(Bearer|Basic)\s+/i, ''));
  }

  async request<T = unknown>(req: HttpRequest): Promise<HttpResponse<T>> {
    const retry = req.retry ?? (req.method === 'GET' || req.method === 'HEAD' || req.method === 'PUT' || req.method === 'DELETE');
    const maxAttempts = retry ? (this.opts.maxRetries ?? 4) + 1 : 1;
    let timeouts = 0;
    for (let attempt = 1; ; attempt++) {
      if (this.opts.rateRules?.length) await this.waitForRateRules(req);
      let error: GpuburstError;
      try {
        return await this.once<T>(req);
      } catch (err) {
        if (err instanceof WireError && /timeout/.test(err.kind)) timeouts++;
        error = err instanceof GpuburstError ? err : this.wireFailure(wireError(err), req);
      }
      // A server that let two attempts run into a deadline will not answer a third: say so now, not minutes later.
      if (!error.retryable || attempt >= maxAttempts || timeouts >= 2 || req.signal?.aborted) throw error;
      const delay = retryDelayMs({
        attempt,
        baseMs: this.opts.baseDelayMs ?? 500,
        maxMs: this.opts.maxDelayMs ?? 30_000,
        retryAfterSeconds: error instanceof RateLimitError ? error.retryAfterSeconds : undefined,
        random: (this.opts.random ?? Math.random)(),
      });
      this.log(`${this.provider}: ${req.method} ${req.path} failed (${error.code}${error.status ? ' ' + error.status : ''}); retry ${attempt}/${maxAttempts - 1} in ${delay} ms`);
      await (this.opts.sleep ?? sleep)(delay, req.signal);
    }
  }

  private async once<T>(req: HttpRequest): Promise<HttpResponse<T>> {
    const responseType = req.responseType ?? 'json';
    const url = this.url(req);
    const headers = { ...this.headers, ...lowerKeys(req.headers) };
    let body: string | Buffer | FormData | undefined;
    if (req.body instanceof FormData || typeof req.body === 'string' || Buffer.isBuffer(req.body)) body = req.body;
    else if (req.body !== undefined) {
      body = JSON.stringify(req.body);
      headers['content-type'] ??= 'application/json';
    }
    const deadlines = {
      ...this.deadlines,
      headersMs: req.timeoutMs ?? this.deadlines.headersMs,
      bodyMs: req.bodyTimeoutMs ?? this.deadlines.bodyMs,
      maxBodyBytes: req.maxBodyBytes ?? this.deadlines.maxBodyBytes,
    };
    const res = await send({ url, method: req.method, headers, body, signal: req.signal, deadlines, stream: responseType === 'stream' || responseType === 'body' });
    const ok = res.status >= 200 && res.status < 300;
    let data: unknown = res.body;
    if (!ok) {
      // The start of a streamed error answer is enough for the adapter's translation.
      if (data instanceof WireBody) data = await data.text(64 * 1024);
      throw this.translateFailure({ status: res.status, headers: res.headers, data: parseMaybeJson(data), method: req.method, path: req.path });
    }
    if (responseType === 'json') data = this.parseJson(res.body as Buffer, res.headers, req);
    else if (responseType === 'text') data = (res.body as Buffer).toString('utf8');
    else if (responseType === 'stream') data = (res.body as WireBody).toReadable();
    const rejected = req.check?.(data, res.status);
    if (rejected) throw rejected;
    return { status: res.status, headers: res.headers, data: data as T };
  }

  private url(req: HttpRequest): URL {
    const url = new URL(this.baseUrl + req.path);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.append(k, String(v));
    return url;
  }

  /** A 2xx that is not JSON (a proxy's HTML page, a captive portal) is a failed answer, not data to crash on. */
  private parseJson(body: Buffer, headers: Record<string, string>, req: HttpRequest): unknown {
    if (body.length === 0) return undefined;
    const text = body.toString('utf8');
    try {
      return JSON.parse(text);
    } catch {
      // A page's markup never goes into a one-line message; other text does, shortened.
      const type = headers['content-type']?.split(';')[0] ?? 'no content type';
      throw new TransientError(`${this.provider}: ${req.method} ${req.path} answered ${type}: ${describeBody(text, 60)} instead of JSON`, { provider: this.provider });
    }
  }

  private translateFailure(f: HttpFailure): GpuburstError {
    const retryAfterSeconds = parseRetryAfter(f.headers['retry-after'], Date.now());
    const failure = { ...f, retryAfterSeconds };
    const translated = this.opts.translate(failure);
    if (translated.retryable || !RETRYABLE_STATUS.has(f.status)) return translated;
    // The adapter knows the provider's words; the status code still decides whether it is worth another try.
    return f.status === 429
      ? new RateLimitError(translated.message, { provider: this.provider, status: 429, retryAfterSeconds })
      : new TransientError(translated.message, { provider: this.provider, status: f.status });
  }

  /** One line per way a request can go unanswered; the host and path, never the query (tokens may travel there). */
  private wireFailure(err: WireError, req: HttpRequest): GpuburstError {
    const host = new URL(this.baseUrl).host;
    const what = `${req.method} ${req.path}`;
    const s = (ms: number) => `${+(ms / 1000).toFixed(1)} s`;
    const init = { provider: this.provider, cause: err };
    switch (err.kind) {
      case 'connect-timeout':
        return new TransientError(`${this.provider}: could not connect to ${host} within ${s(this.deadlines.connectMs)} (${what})`, init);
      case 'headers-timeout':
        return new TransientError(`${this.provider}: no answer from ${host} within ${s(req.timeoutMs ?? this.deadlines.headersMs)} (${what})`, init);
      case 'body-timeout':
        return new TransientError(`${this.provider}: ${host} did not finish its answer within ${s(req.bodyTimeoutMs ?? this.deadlines.bodyMs)} (${what})`, init);
      case 'too-large':
        return new ProviderError(`${this.provider}: ${req.method} ${this.baseUrl}${req.path} answered more than ${Math.round((req.maxBodyBytes ?? this.deadlines.maxBodyBytes) / MiB)} MiB; not read`, init);
      case 'aborted':
        return new TransientError(`${this.provider}: ${what} was cancelled`, init);
      default:
        return new TransientError(`${this.provider}: ${what} failed: ${redact(describe(err))}`, init);
    }
  }

  /**
   * Requests matching any rule pass one at a time: wait for the longest of their rules, then reserve every rule from
   * the real send time (reserving at check time let a second rule's wait push the send past the first's slot).
   */
  private waitForRateRules(req: HttpRequest): Promise<void> {
    const rules = (this.opts.rateRules ?? []).filter((r) => r.match(req.method, req.path));
    if (rules.length === 0) return Promise.resolve();
    const turn = this.gate.then(async () => {
      for (;;) {
        const wait = Math.max(...rules.map((r) => (this.nextAllowed.get(r.name) ?? 0) - Date.now()));
        if (wait <= 0 || req.signal?.aborted) break;
        this.log(`${this.provider}: waiting ${wait} ms for rate limit "${rules.map((r) => r.name).join('", "')}"`);
        await (this.opts.sleep ?? sleep)(wait, req.signal);
      }
      const sentAt = Date.now();
      for (const r of rules) this.nextAllowed.set(r.name, sentAt + r.minIntervalMs);
    });
    this.gate = turn.catch(() => undefined);
    return turn;
  }

  private log(line: string): void {
    this.opts.log?.(redact(line));
  }
}

/** Socket codes are what users search for; undici's own codes are worded. */
function describe(err: WireError): string {
  if (err.code?.startsWith('E')) return err.code;
  if (err.code === 'UND_ERR_SOCKET') return 'the connection closed before a whole answer came';
  if (err.code?.startsWith('HPE_')) return `the answer was not valid HTTP (${err.code})`;
  return err.message.split('\n')[0];
}

function lowerKeys(h: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k in h) out[k.toLowerCase()] = h[k];
  return out;
}

function parseMaybeJson(data: unknown): unknown {
  if (Buffer.isBuffer(data)) data = data.toString('utf8');
  if (typeof data !== 'string') return data;
  if (data === '') return undefined;
  try {
    return JSON.parse(data);
  } catch {
    return data;
  }
}
