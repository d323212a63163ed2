/**
 * Which wire carries a streamed GET, and what callers see: ComfyUI's error answers word the same on the lean reader
 * as on undici (the path main used), a cut download leaves no part file, a proxied host stays on undici, and TLS keeps
 * the default certificate checks.
 */
import { execFileSync } from 'child_process';
import crypto from 'crypto';
import fs from 'fs';
import http from 'http';
import https from 'https';
import net from 'net';
import os from 'os';
import path from 'path';
import tls from 'tls';
import type { AddressInfo } from 'net';
import { Agent } from 'undici';
import { useDispatcher } from '../../providers/http';
import { send, WireBody, WireError } from '../../providers/transport';
import { ComfyClient } from '../../src/comfy/client';
import { downloadToFile } from '../../src/comfy/download';
import { startComfySim, type ComfySim } from '../../src/sim/comfyui';
import { startRawServer } from './support/raw-server';

const TOKEN = 'lean-paths-token-7c2e';
const realConnect = net.connect;
/** The lean reader's sockets are the only ones made with `onread`. */
const byLean = (opts: unknown) => typeof opts === 'object' && opts !== null && 'onread' in opts;
/** Sockets the lean reader opened, over the whole file. */
const leanSockets = new WeakSet<net.Socket>();
const connectSpy = jest.spyOn(net, 'connect').mockImplementation(((...args: Parameters<typeof net.connect>) => {
  const socket = (realConnect as (...a: unknown[]) => net.Socket)(...args);
  if (byLean(args[0])) leanSockets.add(socket);
  return socket;
}) as typeof net.connect);
const leanConnects = () => connectSpy.mock.calls.filter(([opts]) => byLean(opts)).length;
/**
 * Requests the lean reader sent (it may reuse a socket a test before opened): writes on its sockets. Module exports
 * are read-only getters under the test transform, so the reader's export itself cannot be spied on.
 */
const writeSpy = jest.spyOn(net.Socket.prototype, 'write');
const leanRequests = () => writeSpy.mock.contexts.filter((socket) => leanSockets.has(socket as net.Socket)).length;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-lean-'));
let sim: ComfySim;
beforeAll(async () => (sim = await startComfySim({ token: TOKEN, authFailure: '401' })));
afterAll(async () => {
  connectSpy.mockRestore();
  writeSpy.mockRestore();
  await sim.close();
  fs.rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => (connectSpy.mockClear(), writeSpy.mockClear()));

/** What a caller can branch on or show. */
async function outcome(p: Promise<unknown>) {
  const err = (await p.then(() => undefined, (e: unknown) => e)) as Error & { code?: string; status?: number };
  expect(err).toBeInstanceOf(Error);
  return { class: err.constructor.name, code: err.code, status: err.status, message: err.message };
}

/** The same call on the lean reader and on undici (main's wire for every request). */
async function onBothWires(call: () => Promise<unknown>) {
  const first = await outcome(call());
  expect(leanRequests()).toBeGreaterThan(0);
  useDispatcher(new Agent());
  try {
    return { lean: first, undici: await outcome(call()) };
  } finally {
    useDispatcher(undefined);
  }
}

const missing = { filename: 'missing.png', subfolder: '', type: 'output' };

test('a 404 from /view: the same error on both wires, through view and downloadToFile', async () => {
  const client = new ComfyClient({ baseUrl: sim.url, token: TOKEN });
  const viewed = await onBothWires(() => client.view(missing, { retry: false }));
  expect(viewed.lean).toEqual(viewed.undici);
  expect(viewed.lean.status).toBe(404);
  const pulled = await onBothWires(() => downloadToFile(client, missing, path.join(dir, 'missing.png'), { attempts: 1 }));
  expect(pulled.lean).toEqual(pulled.undici);
  expect(fs.readdirSync(dir)).toEqual([]);
});

test('a 401 (wrong token): the same error on both wires, through view and downloadToFile', async () => {
  const client = new ComfyClient({ baseUrl: sim.url, token: 'not-the-token-0000' });
  const viewed = await onBothWires(() => client.view(missing, { retry: false }));
  expect(viewed.lean).toEqual(viewed.undici);
  expect([viewed.lean.class, viewed.lean.status]).toEqual(['AuthError', 401]);
  const pulled = await onBothWires(() => downloadToFile(client, missing, path.join(dir, 'x.png'), { attempts: 1 }));
  expect(pulled.lean).toEqual(pulled.undici);
});

test('downloadToFile writes a whole file intact over the lean reader', async () => {
  const bytes = crypto.randomBytes(3_000_000);
  fs.mkdirSync(path.join(sim.dirs.output, 'lean'), { recursive: true });
  fs.writeFileSync(path.join(sim.dirs.output, 'lean', 'a.png'), bytes);
  const client = new ComfyClient({ baseUrl: sim.url, token: TOKEN });
  const dest = path.join(dir, 'a.png');
  expect(await downloadToFile(client, { filename: 'a.png', subfolder: 'lean', type: 'output' }, dest)).toBe(bytes.length);
  expect(fs.readFileSync(dest).equals(bytes)).toBe(true);
  fs.rmSync(dest);
});

test('a body cut short: downloadToFile fails (same class and code as on undici) and leaves no part file', async () => {
  const server = await startRawServer((socket) => socket.end(Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n'), Buffer.alloc(400)])));
  try {
    const client = new ComfyClient({ baseUrl: server.url, token: TOKEN });
    const file = { filename: 'cut.png', subfolder: '', type: 'output' };
    const { lean, undici } = await onBothWires(() => downloadToFile(client, file, path.join(dir, 'cut.png'), { attempts: 1 }));
    expect([lean.class, lean.code]).toEqual([undici.class, undici.code]);
    expect(lean.class).toBe('TransientError');
    expect(fs.readdirSync(dir)).toEqual([]);
  } finally {
    await server.close();
  }
});

test('a host reached through HTTP_PROXY stays on undici', async () => {
  const target = http.createServer((_req, res) => res.end('through the tunnel'));
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  const tunnels: string[] = [];
  const proxy = http.createServer((_req, res) => res.writeHead(405).end());
  proxy.on('connect', (req: http.IncomingMessage, socket: net.Socket) => {
    tunnels.push(req.url ?? '');
    const upstream = net.connect((target.address() as AddressInfo).port, '127.0.0.1', () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.pipe(socket).pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const saved = process.env.HTTP_PROXY;
  process.env.HTTP_PROXY = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  try {
    const url = new URL(`http://gpu.example.test:${(target.address() as AddressInfo).port}/view`);
    const deadlines = { connectMs: 5000, headersMs: 5000, bodyMs: 5000, maxBodyBytes: 1 << 20 };
    const res = await send({ url, method: 'GET', headers: {}, deadlines, stream: true });
    expect(await (res.body as WireBody).text()).toBe('through the tunnel');
    expect(tunnels).toEqual([url.host]);
    expect(leanConnects()).toBe(0);
  } finally {
    if (saved === undefined) delete process.env.HTTP_PROXY;
    else process.env.HTTP_PROXY = saved;
    for (const s of [proxy, target]) s.closeAllConnections();
    await Promise.all([proxy, target].map((s) => new Promise((resolve) => s.close(resolve))));
  }
});

describe('https', () => {
  let server: https.Server;
  let url: URL;
  let cert: string;
  const file = crypto.randomBytes(1_000_000);
  beforeAll(async () => {
    // A throwaway certificate for 127.0.0.1; the client trusts it only where a test hands it over as `ca`.
    const keyPath = path.join(dir, 'key.pem');
    const certPath = path.join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyPath, '-out', certPath], { stdio: 'ignore' });
    cert = fs.readFileSync(certPath, 'utf8');
    server = https.createServer({ key: fs.readFileSync(keyPath), cert }, (_req, res) => res.end(file));
    fs.rmSync(keyPath);
    fs.rmSync(certPath);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = new URL(`https://127.0.0.1:${(server.address() as AddressInfo).port}/view`);
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const deadlines = { connectMs: 5000, headersMs: 5000, bodyMs: 5000, maxBodyBytes: 1 << 20 };

  test('a certificate nobody vouches for is refused', async () => {
    const err = await send({ url, method: 'GET', headers: {}, deadlines, stream: true }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(WireError);
    expect((err as WireError).code).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY/);
  });

  test('with the certificate trusted, the body arrives intact over a lean TLS socket', async () => {
    const real = tls.connect;
    const spy = jest.spyOn(tls, 'connect').mockImplementation(((opts: tls.ConnectionOptions) => real({ ...opts, ca: cert })) as typeof tls.connect);
    try {
      const res = await send({ url, method: 'GET', headers: {}, deadlines, stream: true });
      const chunks: Buffer[] = [];
      await (res.body as WireBody).pipe((c) => chunks.push(Buffer.from(c)));
      expect(Buffer.concat(chunks).equals(file)).toBe(true);
      expect(spy.mock.calls.some(([opts]) => byLean(opts))).toBe(true);
    } finally {
      spy.mockRestore();
    }
  });
});
