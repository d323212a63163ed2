/**
 * A small loopback HTTP server every simulator builds on: a route table, JSON helpers, injectable faults,
 * simulated latency, and an admin surface under `/_sim/` (state, faults) that tests and users can inspect.
 * Provider behaviour (paths, auth, envelopes, errors, lifecycle) lives in each provider's own simulator.
 */
import http from 'http';
import type { AddressInfo, Socket } from 'net';
import { URL } from 'url';
import { FaultQueue, FaultRule } from './faults';

export interface SimRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  rawBody: Buffer;
  /** Parsed JSON body; undefined when empty. Check `bodyError` for malformed JSON. */
  body: unknown;
  bodyError?: string;
}

export interface SimResponse {
  status: number;
  /** Objects are sent as JSON; strings and Buffers as they are. */
  body?: unknown;
  headers?: Record<string, string>;
  contentType?: string;
}

export type Handler = (req: SimRequest) => SimResponse | Promise<SimResponse>;
export type RawHandler = (req: http.IncomingMessage, res: http.ServerResponse, path: string) => void | Promise<void>;

interface Route {
  method: string;
  regex: RegExp;
  keys: string[];
  handler: Handler;
}

export interface SimServerOptions {
  name: string;
  /** Added before every provider request (not admin), to model API latency. */
  latencyMs?: number;
  /** Answer for paths no route matches. */
  notFound?: (req: SimRequest) => SimResponse;
  /** Answer for a path that exists with another method. */
  methodNotAllowed?: (req: SimRequest) => SimResponse;
  maxBodyBytes?: number;
}

export interface RequestRecord {
  method: string;
  path: string;
  status: number;
}

export class SimServer {
  readonly faults = new FaultQueue();
  /** Every provider request answered, newest last (bounded). */
  readonly requests: RequestRecord[] = [];
  latencyMs: number;
  private readonly routes: Route[] = [];
  private readonly rawRoutes: { prefix: string; handler: RawHandler }[] = [];
  private readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  private readonly cleanups: (() => void | Promise<void>)[] = [];
  private stateFn: () => unknown = () => ({});
  private baseUrl = '';

  constructor(private readonly opts: SimServerOptions) {
    this.latencyMs = opts.latencyMs ?? 0;
    this.server = http.createServer((req, res) => void this.dispatch(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.route('GET', '/_sim/state', () => ({ status: 200, body: this.stateFn() }));
    this.route('GET', '/_sim/faults', () => ({ status: 200, body: { faults: this.faults.pending() } }));
    this.route('POST', '/_sim/faults', (r) => {
      const rules = ((r.body as { rules?: FaultRule[] })?.rules ?? [r.body as FaultRule]).filter(Boolean);
      for (const rule of rules) this.faults.add(rule);
      return { status: 200, body: { faults: this.faults.pending() } };
    });
    this.route('DELETE', '/_sim/faults', () => {
      this.faults.clear();
      return { status: 204 };
    });
  }

  get url(): string {
    return this.baseUrl;
  }

  /** The node server, for what routes cannot express (websocket upgrades through a simulated proxy). */
  get httpServer(): http.Server {
    return this.server;
  }

  /** `pattern` uses `:name` segments, e.g. `/v2/pods/:id`. */
  route(method: string, pattern: string, handler: Handler): this {
    const keys: string[] = [];
    const source = pattern.replace(/[.+*?^${}()|[\]\\]/g, '\\$&').replace(/:(\w+)/g, (_m, k: string) => {
      keys.push(k);
      return '([^/]+)';
    });
    this.routes.push({ method: method.toUpperCase(), regex: new RegExp(`^${source}$`), keys, handler });
    return this;
  }

  /** Hand every request under `prefix` to a raw node handler (proxies, streaming). Faults and latency still apply. */
  raw(prefix: string, handler: RawHandler): this {
    this.rawRoutes.push({ prefix, handler });
    return this;
  }

  /** What `GET /_sim/state` returns. */
  state(fn: () => unknown): this {
    this.stateFn = fn;
    return this;
  }

  onClose(fn: () => void | Promise<void>): this {
    this.cleanups.push(fn);
    return this;
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve());
    });
    const addr = this.server.address() as AddressInfo;
    this.baseUrl = `http://${host}:${addr.port}`;
    return this.baseUrl;
  }

  async close(): Promise<void> {
    for (const fn of this.cleanups.splice(0).reverse()) await fn();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
    });
  }

  private async dispatch(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sim.local');
    const path = url.pathname;
    const method = (req.method ?? 'GET').toUpperCase();
    const admin = path.startsWith('/_sim/');
    try {
      const fault = admin ? undefined : this.faults.take(method, path);
      if (fault?.kind === 'reset') return void req.socket.destroy();
      const rawRoute = admin ? undefined : this.rawRoutes.find((r) => path.startsWith(r.prefix));
      // The body is in before any wait: a request that arrived is handled even if its client gives up meanwhile
      // (a timeout, Ctrl-C), as a real API would — a create can happen although nobody heard the answer.
      const rawBody = rawRoute ? Buffer.alloc(0) : await readBody(req, this.opts.maxBodyBytes ?? 8 * 1024 * 1024);
      if (!admin && this.latencyMs > 0) await sleep(this.latencyMs);
      if (fault?.kind === 'delay') await sleep(fault.ms);
      if (rawRoute) return await rawRoute.handler(req, res, path);
      const simReq = buildRequest(method, path, url.searchParams, req.headers, rawBody);
      if (fault?.kind === 'status') return this.send(res, simReq, { status: fault.status, body: fault.body, headers: fault.headers, contentType: fault.contentType });
      const response = await this.handle(simReq);
      if (fault?.kind === 'lose-response') return void req.socket.destroy();
      this.send(res, simReq, response);
    } catch (err) {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`simulator ${this.opts.name} error: ${(err as Error).message}`);
      }
    }
  }

  private async handle(req: SimRequest): Promise<SimResponse> {
    let pathMatched = false;
    for (const r of this.routes) {
      const m = r.regex.exec(req.path);
      if (!m) continue;
      pathMatched = true;
      if (r.method !== req.method) continue;
      r.keys.forEach((k, i) => (req.params[k] = decodeURIComponent(m[i + 1])));
      return r.handler(req);
    }
    if (pathMatched && this.opts.methodNotAllowed) return this.opts.methodNotAllowed(req);
    return this.opts.notFound?.(req) ?? { status: 404, body: { error: 'not found' } };
  }

  private send(res: http.ServerResponse, req: SimRequest, r: SimResponse): void {
    if (!req.path.startsWith('/_sim/')) {
      this.requests.push({ method: req.method, path: req.path, status: r.status });
      if (this.requests.length > 2000) this.requests.splice(0, this.requests.length - 2000);
    }
    const headers: Record<string, string> = { ...(r.headers ?? {}) };
    let payload: Buffer | undefined;
    if (r.body === undefined || r.status === 204) payload = undefined;
    else if (Buffer.isBuffer(r.body)) payload = r.body;
    else if (typeof r.body === 'string') payload = Buffer.from(r.body);
    else payload = Buffer.from(JSON.stringify(r.body));
    if (payload) headers['content-type'] ??= r.contentType ?? (typeof r.body === 'object' && !Buffer.isBuffer(r.body) ? 'application/json' : 'text/plain; charset=utf-8');
    res.writeHead(r.status, headers);
    res.end(payload);
  }
}

function buildRequest(method: string, path: string, query: URLSearchParams, headers: http.IncomingHttpHeaders, rawBody: Buffer): SimRequest {
  const req: SimRequest = { method, path, params: {}, query, headers, rawBody, body: undefined };
  const type = String(headers['content-type'] ?? '');
  if (rawBody.length > 0 && (type.includes('json') || type === '' || type.startsWith('text/plain'))) {
    try {
      req.body = JSON.parse(rawBody.toString('utf8'));
    } catch (err) {
      req.bodyError = (err as Error).message;
    }
  }
  return req;
}

function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new Error(`body larger than ${limit} bytes`));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Bearer token from an Authorization header, if any. */
export function bearerToken(headers: http.IncomingHttpHeaders): string | undefined {
  const h = headers.authorization;
  const m = typeof h === 'string' ? /^Bearer\s+(.+)$/i.exec(h.trim()) : null;
  return m ? m[1].trim() : undefined;
}
