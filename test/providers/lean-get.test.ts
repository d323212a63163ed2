/**
 * The lean reader for streamed GETs (providers/lean-get.ts) against real sockets on loopback: keep-alive reuse, the
 * one silent retry of a stale kept-alive socket, every deadline, abort, answers it hands to undici, backpressure.
 */
import crypto from 'crypto';
import http from 'http';
import net from 'net';
import type { AddressInfo } from 'net';
import { HttpClient } from '../../providers/http';
import { ProviderError } from '../../providers/errors';
import { send, WireBody, WireError, type Deadlines } from '../../providers/transport';
import { plainAnswer, startRawServer, type Answer, type RawServer } from './support/raw-server';

const connectSpy = jest.spyOn(net, 'connect');
/** Connections the lean reader opened (undici's carry no `onread`). */
const leanConnects = () => connectSpy.mock.calls.filter(([opts]) => typeof opts === 'object' && 'onread' in opts).length;
beforeEach(() => connectSpy.mockClear());
afterAll(() => connectSpy.mockRestore());

function get(url: string, deadlines: Partial<Deadlines> = {}, signal?: AbortSignal) {
  const all = { connectMs: 5000, headersMs: 5000, bodyMs: 5000, maxBodyBytes: 1 << 20, ...deadlines };
  return send({ url: new URL(url), method: 'GET', headers: { authorization: 'Bearer lean-test-token' }, deadlines: all, stream: true, signal }) as Promise<{ status: number; headers: Record<string, string>; body: WireBody }>;
}

async function readAll(body: WireBody): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await body.pipe((c) => chunks.push(Buffer.from(c)));
  return Buffer.concat(chunks);
}

const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

async function failure(p: Promise<unknown>): Promise<WireError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(WireError);
  return err as WireError;
}

let raw: RawServer | undefined;
async function rawServer(answer: Answer): Promise<RawServer> {
  return (raw = await startRawServer(answer));
}
afterEach(async () => {
  await raw?.close();
  raw = undefined;
});

describe('on a real HTTP server', () => {
  let server: http.Server;
  let url: string;
  let connections = 0;
  let handler: http.RequestListener;
  beforeAll(async () => {
    server = http.createServer((req, res) => handler(req, res));
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => (connections = 0));

  test('sequential downloads share one kept-alive connection, every byte intact, the token sent', async () => {
    const files = [1, 2, 3].map(() => crypto.randomBytes(300_000));
    const auth: string[] = [];
    handler = (req, res) => {
      auth.push(req.headers.authorization ?? '');
      res.end(files[Number(req.url!.slice(-1))]);
    };
    for (let i = 0; i < 3; i++) expect(sha(await readAll((await get(`${url}/view?n=${i}`)).body))).toBe(sha(files[i]));
    expect(connections).toBe(1);
    expect(leanConnects()).toBe(1);
    expect(auth).toEqual(Array(3).fill('Bearer lean-test-token'));
  });

  test('an error answer longer than one read reaches the translation intact', async () => {
    const text = crypto.randomBytes(30_000).toString('hex'); // 60 KB, over more than one socket read
    handler = (_req, res) => {
      res.writeHead(404, { 'content-length': text.length });
      res.write(text.slice(0, 20_000));
      setTimeout(() => res.write(text.slice(20_000, 40_000)), 20);
      setTimeout(() => res.end(text.slice(40_000)), 40);
    };
    let seen: unknown;
    const client = new HttpClient({ provider: 'comfyui', baseUrl: url, translate: (f) => ((seen = f.data), new ProviderError(String(f.status))) });
    await expect(client.request({ method: 'GET', path: '/view', responseType: 'body' })).rejects.toThrow('404');
    expect(seen).toBe(text);
  });

  test('a chunked answer goes through undici, for this request and the next to that origin', async () => {
    const parts = [1, 2, 3].map(() => crypto.randomBytes(50_000));
    let requests = 0;
    handler = (_req, res) => {
      requests++;
      for (const p of parts) res.write(p); // no Content-Length: Node sends it chunked
      res.end();
    };
    const first = await get(`${url}/view`);
    expect(first.headers['transfer-encoding']).toBe('chunked');
    expect(sha(await readAll(first.body))).toBe(sha(Buffer.concat(parts)));
    expect(sha(await readAll((await get(`${url}/view`)).body))).toBe(sha(Buffer.concat(parts)));
    expect(requests).toBe(3); // the first request twice: read up to its head here, then sent again through undici
  });
});

describe('backpressure', () => {
  let server: http.Server;
  let url: string;
  const file = crypto.randomBytes(16 * 1024 * 1024);
  let handedOver = false;
  beforeAll(async () => {
    server = http.createServer((_req, res) => {
      res.setHeader('content-length', file.length);
      res.once('finish', () => (handedOver = true)); // the last byte went to the kernel: the reader took the rest
      res.end(file);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  test('a body nobody reads yet stops the socket; piped later, every byte arrives intact', async () => {
    handedOver = false;
    const { body } = await get(`${url}/view`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(handedOver).toBe(false); // the server is still blocked: the 16 MiB were not read into memory
    expect(sha(await readAll(body))).toBe(sha(file));
  });

  test('a body that came whole with its head does not stop the socket (no pause and resume per small pull)', async () => {
    const server = await rawServer((socket) => socket.write(plainAnswer('small image')));
    const pause = jest.spyOn(net.Socket.prototype, 'pause');
    try {
      const { body } = await get(`${server.url}/view`);
      await new Promise((resolve) => setImmediate(resolve)); // the body is not piped yet, as in a pull
      expect((await readAll(body)).toString()).toBe('small image');
      expect(pause).not.toHaveBeenCalled();
    } finally {
      pause.mockRestore();
    }
  });

  test('a slow reader of the stream gets every byte intact', async () => {
    const client = new HttpClient({ provider: 'comfyui', baseUrl: url, translate: (f) => new ProviderError(String(f.status)) });
    const res = await client.request<AsyncIterable<Buffer>>({ method: 'GET', path: '/view', responseType: 'stream' });
    const kept: Buffer[] = []; // a stream's chunks are the reader's to keep
    for await (const chunk of res.data) {
      kept.push(chunk);
      if (kept.length % 32 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(sha(Buffer.concat(kept))).toBe(sha(file));
  });
});

test('a kept-alive socket the server closed before answering is retried once on a new one, silently', async () => {
  const server = await rawServer((socket, nth) => (nth === 1 ? socket.write(plainAnswer('first')) : socket.destroy()));
  expect((await readAll((await get(`${server.url}/a`)).body)).toString()).toBe('first');
  expect((await readAll((await get(`${server.url}/b`)).body)).toString()).toBe('first');
  expect(server.connections).toBe(2);
  expect(server.requests.map((h) => h.split(' ')[1])).toEqual(['/a', '/b', '/b']);
});

test('no silent retry once bytes of the answer came', async () => {
  const server = await rawServer((socket, nth) => (nth === 1 ? socket.write(plainAnswer('first')) : socket.end('HTTP/1.1 200 OK\r\n')));
  await readAll((await get(`${server.url}/a`)).body);
  const err = await failure(get(`${server.url}/b`));
  expect(err.kind).toBe('network');
  expect(server.requests).toHaveLength(2);
});

test('a body cut short by the server is an error, never a success', async () => {
  const server = await rawServer((socket) => socket.end(Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n'), Buffer.alloc(400)])));
  const { body } = await get(`${server.url}/view`);
  const err = await failure(readAll(body));
  expect([err.kind, err.code]).toEqual(['network', 'UND_ERR_SOCKET']);
});

test('headers that never come: headers-timeout, and the socket is closed', async () => {
  const server = await rawServer(() => undefined);
  const err = await failure(get(`${server.url}/view`, { headersMs: 300 }));
  expect(err.kind).toBe('headers-timeout');
  await server.allClosed();
});

test('a body that goes silent: body-timeout, and the socket is closed', async () => {
  const server = await rawServer((socket) => socket.write('HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n0123456789'));
  const { body } = await get(`${server.url}/view`, { bodyMs: 300 });
  const err = await failure(readAll(body));
  expect([err.kind, err.code]).toEqual(['body-timeout', 'UND_ERR_BODY_TIMEOUT']);
  await server.allClosed();
});

test('abort mid-body: aborted, the socket destroyed, the next request on a new connection', async () => {
  const server = await rawServer((socket, _nth, head) =>
    head.startsWith('GET /stall') ? socket.write('HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n0123456789') : socket.write(plainAnswer('ok')),
  );
  const abort = new AbortController();
  const { body } = await get(`${server.url}/stall`, {}, abort.signal);
  const err = await failure(body.pipe(() => abort.abort()));
  expect(err.kind).toBe('aborted');
  await server.allClosed();
  expect((await readAll((await get(`${server.url}/ok`)).body)).toString()).toBe('ok');
  expect(server.connections).toBe(2);
});

test('Connection: close is honoured (the socket is not reused)', async () => {
  const server = await rawServer((socket) => socket.write(plainAnswer('bye', '200 OK', 'connection: close\r\n')));
  for (let i = 0; i < 2; i++) expect((await readAll((await get(`${server.url}/view`)).body)).toString()).toBe('bye');
  expect(server.connections).toBe(2);
  await server.allClosed();
});

test('a head over 64 KiB is a network error', async () => {
  const server = await rawServer((socket) => socket.write(`HTTP/1.1 200 OK\r\nx-big: ${'a'.repeat(70_000)}\r\n\r\n`));
  const err = await failure(get(`${server.url}/view`));
  expect([err.kind, err.code]).toEqual(['network', 'HPE_HEADER_OVERFLOW']);
});
