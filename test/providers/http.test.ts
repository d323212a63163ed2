/**
 * The one HTTP client against a real local server: deadlines (a server that accepts and never answers, one that
 * stops mid-body), the body cap, an HTML answer where JSON was expected, retries with injected jitter and
 * Retry-After, and that keys and tokens stay out of every message.
 */
import { HttpClient, HttpClientOptions } from '../../providers/http';
import { GpuburstError, ProviderError, TransientError } from '../../providers/errors';
import { retryDelayMs } from '../../providers/retry';
import { startServer, TestServer } from './support/server';

let server: TestServer;
beforeEach(async () => (server = await startServer()));
afterEach(() => server.close());

const KEY = 'sk_live_0123456789abcdef';

function client(extra: Partial<HttpClientOptions> = {}): HttpClient {
  return new HttpClient({
    provider: 'runpod',
    baseUrl: server.url,
    headers: { authorization: `Bearer ${KEY}` },
    translate: (f) => new ProviderError(`runpod answered ${f.status}: ${JSON.stringify(f.data)}`, { provider: 'runpod', status: f.status }),
    sleep: async () => undefined,
    ...extra,
  });
}

async function failure(p: Promise<unknown>): Promise<GpuburstError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(GpuburstError);
    const e = err as GpuburstError;
    expect(e.message).not.toContain('\n');
    expect(e.message).not.toContain(KEY);
    return e;
  }
  throw new Error('expected a failure');
}

test('JSON round trip: auth header, query, JSON body, parsed answer', async () => {
  server.handle((_req, res) => res.setHeader('content-type', 'application/json').end('{"ok":true,"n":2}'));
  const res = await client().request<{ ok: boolean }>({ method: 'POST', path: '/v2/pods', query: { a: 'x y', b: 2, skip: undefined }, body: { name: 'p' } });
  expect(res.data).toEqual({ ok: true, n: 2 });
  const [seen] = server.requests;
  expect(seen.headers.authorization).toBe(`Bearer ${KEY}`);
  expect(seen.headers['content-type']).toBe('application/json');
  expect(new URL(seen.url, server.url).searchParams.get('a')).toBe('x y');
  expect(new URL(seen.url, server.url).searchParams.has('skip')).toBe(false);
  expect(JSON.parse(seen.body)).toEqual({ name: 'p' });
});

test('a server that accepts and never answers: one line "no answer from <host> within N s", two attempts at most', async () => {
  server.handle(() => undefined); // never answers
  const e = await failure(client({ timeoutMs: 300 }).request({ method: 'GET', path: '/v2/catalog' }));
  expect(e).toBeInstanceOf(TransientError);
  expect(e.message).toBe(`runpod: no answer from 127.0.0.1:${server.port} within 0.3 s (GET /v2/catalog)`);
  // Retryable GET, four retries allowed, but a second deadline ends it: a hung API must not hold `offers` for minutes.
  expect(server.requests).toHaveLength(2);
});

test('adapters that pass timeoutMs: undefined still get the default deadline (not none)', () => {
  const c = client({ timeoutMs: undefined });
  expect((c as unknown as { deadlines: { headersMs: number } }).deadlines.headersMs).toBe(30_000);
});

test('a body that stops arriving ends at the body deadline', async () => {
  server.handle((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
    res.write('{"partial":');
  });
  const e = await failure(client({ bodyTimeoutMs: 300, maxRetries: 0 }).request({ method: 'GET', path: '/slow' }));
  expect(e).toBeInstanceOf(TransientError);
  expect(e.message).toBe(`runpod: 127.0.0.1:${server.port} did not finish its answer within 0.3 s (GET /slow)`);
});

test('an HTML page where JSON was expected is a TransientError naming what came, not data to crash on', async () => {
  server.handle((_req, res) => res.setHeader('content-type', 'text/html; charset=utf-8').end('<!DOCTYPE html>\n<html><title>502 Bad Gateway</title></html>'));
  const e = await failure(client({ maxRetries: 1 }).request({ method: 'GET', path: '/v2/catalog/gpus' }));
  expect(e).toBeInstanceOf(TransientError);
  expect(e.message).toBe('runpod: GET /v2/catalog/gpus answered text/html: an HTML page instead of JSON');
  expect(server.requests).toHaveLength(2);
});

test('a 30 MB answer is refused at the cap with the URL (no query, no token) in one line', async () => {
  const big = Buffer.alloc(30 * 1024 * 1024, 0x20);
  server.handle((_req, res) => res.setHeader('content-type', 'application/json').end(big));
  const e = await failure(client().request({ method: 'GET', path: '/bundles', query: { token: 'tok_secret_123456' } }));
  expect(e).toBeInstanceOf(ProviderError);
  expect(e.message).toBe(`runpod: GET ${server.url}/bundles answered more than 16 MiB; not read`);
  expect(server.requests).toHaveLength(1); // not retryable: the same answer would come again
});

test('the cap also applies without Content-Length (chunked) and can be raised per request', async () => {
  server.handle((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.write('"');
    res.write('x'.repeat(3000));
    res.end('"');
  });
  const e = await failure(client({ maxBodyBytes: 1000 }).request({ method: 'GET', path: '/chunked' }));
  expect(e.message).toMatch(/answered more than 0 MiB; not read/);
  const ok = await client({ maxBodyBytes: 1000 }).request<string>({ method: 'GET', path: '/chunked', maxBodyBytes: 10_000 });
  expect(ok.data).toHaveLength(3000);
});

test('transient statuses are retried with the jittered delays of the pure rule (injected random)', async () => {
  let n = 0;
  server.handle((_req, res) => (++n < 3 ? res.writeHead(503).end('busy') : res.end('{"ok":1}')));
  const slept: number[] = [];
  const res = await client({ random: () => 0.75, baseDelayMs: 100, maxDelayMs: 1000, sleep: async (ms) => void slept.push(ms) }).request({ method: 'GET', path: '/x' });
  expect(res.data).toEqual({ ok: 1 });
  expect(slept).toEqual([1, 2].map((attempt) => retryDelayMs({ attempt, baseMs: 100, maxMs: 1000, random: 0.75 })));
  expect(slept).toEqual([75, 150]);
});

test('429 with Retry-After waits what the server asked (plus jitter), then succeeds', async () => {
  let n = 0;
  server.handle((_req, res) => (++n === 1 ? res.writeHead(429, { 'retry-after': '2' }).end('{"error":"slow down"}') : res.end('{}')));
  const slept: number[] = [];
  await client({ random: () => 0.5, baseDelayMs: 100, sleep: async (ms) => void slept.push(ms) }).request({ method: 'GET', path: '/x' });
  expect(slept).toEqual([2050]);
});

test('POST is not retried unless asked (creates are never retried blindly)', async () => {
  server.handle((_req, res) => res.writeHead(502).end());
  const e = await failure(client().request({ method: 'POST', path: '/v2/pods', body: {} }));
  expect(e).toBeInstanceOf(TransientError);
  expect(server.requests).toHaveLength(1);
});

test('a refused connection is a one-line TransientError with the socket code', async () => {
  const port = server.port;
  await server.close();
  const c = new HttpClient({ provider: 'vast', baseUrl: `http://127.0.0.1:${port}`, maxRetries: 0, translate: () => new ProviderError('x') });
  const e = await failure(c.request({ method: 'GET', path: '/api/v0/instances/' }));
  expect(e).toBeInstanceOf(TransientError);
  expect(e.message).toBe('vast: GET /api/v0/instances/ failed: ECONNREFUSED');
  server = await startServer(); // for afterEach
});

test('an aborted request ends at once as cancelled and is not retried', async () => {
  server.handle(() => undefined);
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 100);
  const e = await failure(client({ timeoutMs: 10_000 }).request({ method: 'GET', path: '/x', signal: ac.signal }));
  expect(e.message).toBe('runpod: GET /x was cancelled');
  expect(server.requests).toHaveLength(1);
});

test('a streamed answer is handed over open; a failed stream answer is read for the translation', async () => {
  server.handle((req, res) => (req.url === '/ok' ? res.end('abc') : res.writeHead(404).end('{"error":"no such file"}')));
  const res = await client().request<NodeJS.ReadableStream>({ method: 'GET', path: '/ok', responseType: 'stream' });
  let text = '';
  for await (const c of res.data) text += c.toString();
  expect(text).toBe('abc');
  const e = await failure(client().request({ method: 'GET', path: '/missing', responseType: 'stream' }));
  expect(e.message).toBe('runpod answered 404: {"error":"no such file"}');
});

test('an error body that echoes the key is redacted in the message', async () => {
  server.handle((req, res) => res.writeHead(401).end(JSON.stringify({ error: `bad key ${req.headers.authorization}` })));
  const e = await failure(client().request({ method: 'GET', path: '/x' }));
  expect(e.message).toContain('***');
});

test('a connection cut mid-answer is worded, not an undici code', async () => {
  server.handle((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
    res.write('{"a":');
    setTimeout(() => req.socket.destroy(), 20);
  });
  const e = await failure(client({ maxRetries: 0 }).request({ method: 'GET', path: '/cut' }));
  expect(e).toBeInstanceOf(TransientError);
  expect(e.message).toBe('runpod: GET /cut failed: the connection closed before a whole answer came');
});
