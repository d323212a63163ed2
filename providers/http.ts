/**
 * The one HTTP client. Auth headers, timeouts, retry with backoff + jitter + Retry-After, per-provider rate limits,
 * key redaction and error translation live here and nowhere else. Creates are not retried here (`retry: false`);
 * see ./create-once for the look-up-before-retry rule.
 */
import axios, { AxiosInstance, AxiosResponse } from 'axios';
import type { Readable } from 'stream';
import { GpuburstError, TransientError, RateLimitError } from './errors';
import { redact, registerSecret } from './redact';
import { parseRetryAfter, retryDelayMs } from './retry';
import type { ProviderName } from './types';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';

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
  timeoutMs?: number;
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
  timeoutMs?: number;
  signal?: AbortSignal;
  responseType?: 'json' | 'text' | 'stream' | 'arraybuffer';
  /** Reject a 2xx body that is really an error (GraphQL `errors`, ComfyUI `node_errors`). */
  check?: (data: unknown, status: number) => GpuburstError | undefined;
}

export interface HttpResponse<T> {
  status: number;
  headers: Record<string, string>;
  data: T;
}

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'ECONNABORTED', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'ERR_BAD_RESPONSE', 'ERR_NETWORK', 'ERR_SOCKET_CONNECTION_TIMEOUT']);
const RETRYABLE_STATUS = new Set([408, 425, 429, 500, 502, 503, 504, 520, 522, 524]);

export class HttpClient {
  readonly provider: ProviderName | 'comfyui';
  readonly baseUrl: string;
  private readonly axios: AxiosInstance;
  private readonly opts: Required<Pick<HttpClientOptions, 'timeoutMs' | 'maxRetries' | 'baseDelayMs' | 'maxDelayMs'>> & HttpClientOptions;
  private readonly nextAllowed = new Map<string, number>();
  private gate: Promise<void> = Promise.resolve();

  constructor(opts: HttpClientOptions) {
    this.provider = opts.provider;
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.opts = { timeoutMs: 30_000, maxRetries: 4, baseDelayMs: 500, maxDelayMs: 30_000, ...opts };
    for (const v of Object.values(opts.headers ?? {})) registerSecret(v.replace(/^(Bearer|Basic)\s+/i, ''));
    this.axios = axios.create({
      baseURL: this.baseUrl,
      headers: opts.headers,
      maxRedirects: 0,
      validateStatus: () => true,
      // Never let axios pick up HTTP(S)_PROXY for loopback simulators or leak headers to a proxy.
      proxy: false,
    });
  }

  async request<T = unknown>(req: HttpRequest): Promise<HttpResponse<T>> {
    const retry = req.retry ?? ['GET', 'HEAD', 'PUT', 'DELETE'].includes(req.method);
    const maxAttempts = retry ? this.opts.maxRetries + 1 : 1;
    for (let attempt = 1; ; attempt++) {
      await this.waitForRateRules(req);
      let error: GpuburstError;
      try {
        return await this.once<T>(req);
      } catch (err) {
        error = err instanceof GpuburstError ? err : this.networkError(err, req);
      }
      if (!error.retryable || attempt >= maxAttempts || req.signal?.aborted) throw error;
      const retryAfterSeconds = error instanceof RateLimitError ? error.retryAfterSeconds : undefined;
      const delay = retryDelayMs({
        attempt,
        baseMs: this.opts.baseDelayMs,
        maxMs: this.opts.maxDelayMs,
        retryAfterSeconds,
        random: (this.opts.random ?? Math.random)(),
      });
      this.log(`${this.provider}: ${req.method} ${req.path} failed (${error.code}${error.status ? ' ' + error.status : ''}); retry ${attempt}/${maxAttempts - 1} in ${delay} ms`);
      await this.sleep(delay, req.signal);
    }
  }

  private async once<T>(req: HttpRequest): Promise<HttpResponse<T>> {
    const responseType = req.responseType ?? 'json';
    const res: AxiosResponse = await this.axios.request({
      method: req.method,
      url: req.path,
      params: dropUndefined(req.query),
      data: req.body,
      headers: req.headers,
      timeout: req.timeoutMs ?? this.opts.timeoutMs,
      signal: req.signal,
      responseType: responseType === 'json' ? 'text' : responseType,
      transformResponse: (x: unknown) => x,
    });
    const headers = flattenHeaders(res.headers);
    const ok = res.status >= 200 && res.status < 300;
    let data: unknown = res.data;
    if (!ok && responseType === 'stream') data = await readSome(res.data as Readable);
    if (responseType === 'json' || !ok) data = parseMaybeJson(data);
    if (!ok) throw this.translateFailure({ status: res.status, headers, data, method: req.method, path: req.path });
    const rejected = req.check?.(data, res.status);
    if (rejected) throw rejected;
    return { status: res.status, headers, data: data as T };
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

  private networkError(err: unknown, req: HttpRequest): GpuburstError {
    const code = (err as { code?: string }).code ?? '';
    const timeout = req.timeoutMs ?? this.opts.timeoutMs;
    if (axios.isCancel(err) || code === 'ERR_CANCELED') {
      return new TransientError(`${this.provider}: ${req.method} ${req.path} was cancelled`, { provider: this.provider, cause: err });
    }
    if (code === 'ECONNABORTED' || code === 'ETIMEDOUT' || /timeout/i.test((err as Error).message ?? '')) {
      return new TransientError(`${this.provider}: ${req.method} ${req.path} timed out after ${Math.round(timeout / 1000)} s`, { provider: this.provider, cause: err });
    }
    const what = NETWORK_CODES.has(code) ? code : (err as Error).message ?? String(err);
    return new TransientError(`${this.provider}: ${req.method} ${req.path} failed: ${redact(String(what))}`, { provider: this.provider, cause: err });
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
        await this.sleep(wait, req.signal);
      }
      const sentAt = Date.now();
      for (const r of rules) this.nextAllowed.set(r.name, sentAt + r.minIntervalMs);
    });
    this.gate = turn.catch(() => undefined);
    return turn;
  }

  private sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return (this.opts.sleep ?? defaultSleep)(ms, signal);
  }

  private log(line: string): void {
    this.opts.log?.(redact(line));
  }
}

export function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

function dropUndefined(q: HttpRequest['query']): Record<string, string | number | boolean> | undefined {
  if (!q) return undefined;
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(q)) if (v !== undefined) out[k] = v;
  return out;
}

function flattenHeaders(h: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries((h ?? {}) as Record<string, unknown>)) {
    if (v !== undefined && v !== null) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
  }
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

async function readSome(stream: Readable, limit = 64 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    chunks.push(chunk as Buffer);
    size += (chunk as Buffer).length;
    if (size >= limit) break;
  }
  stream.destroy();
  return Buffer.concat(chunks).toString('utf8');
}
