/**
 * Real clouds go through HTTP(S)_PROXY unless NO_PROXY names them; loopback (simulators, a local ComfyUI) is always
 * direct. A real CONNECT proxy on loopback forwards every tunnel to the test server and records the targets.
 */
import http from 'http';
import net from 'net';
import os from 'os';
import type { AddressInfo } from 'net';
import { HttpClient } from '../../providers/http';
import { proxyFor } from '../../providers/transport';
import { BadInputError, ProviderError } from '../../providers/errors';
import { startServer, TestServer } from './support/server';

let server: TestServer;
let proxy: http.Server;
let proxyUrl: string;
const tunnels: string[] = [];
const saved = { ...process.env };

beforeAll(async () => {
  server = await startServer('0.0.0.0');
  server.handle((req, res) => res.setHeader('content-type', 'application/json').end(JSON.stringify({ host: req.headers.host })));
  proxy = http.createServer((_req, res) => res.writeHead(405).end());
  proxy.on('connect', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    tunnels.push(req.url ?? '');
    const upstream = net.connect(server.port, '127.0.0.1', () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(socket).pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});

afterAll(async () => {
  process.env = saved;
  proxy.closeAllConnections();
  await new Promise((resolve) => proxy.close(resolve));
  await server.close();
});

beforeEach(() => {
  tunnels.length = 0;
  for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy']) delete process.env[k];
});

const get = (baseUrl: string) =>
  new HttpClient({ provider: 'lambda', baseUrl, maxRetries: 0, timeoutMs: 5000, translate: (f) => new ProviderError(String(f.status)) }).request<{ host: string }>({ method: 'GET', path: '/api/v1/instances' });

test('a cloud host is reached through HTTP_PROXY (a CONNECT tunnel to host:port)', async () => {
  process.env.HTTP_PROXY = proxyUrl;
  const res = await get(`http://cloud.example.test:${server.port}`);
  expect(tunnels).toEqual([`cloud.example.test:${server.port}`]);
  expect(res.data.host).toBe(`cloud.example.test:${server.port}`);
});

test('loopback stays direct even with a proxy set', async () => {
  process.env.HTTP_PROXY = proxyUrl;
  process.env.HTTPS_PROXY = proxyUrl;
  await get(`http://127.0.0.1:${server.port}`);
  await get(`http://localhost:${server.port}`);
  expect(tunnels).toEqual([]);
});

const lan = Object.values(os.networkInterfaces())
  .flat()
  .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;

(lan ? test : test.skip)('a host NO_PROXY names is reached directly', async () => {
  process.env.HTTP_PROXY = proxyUrl;
  process.env.NO_PROXY = `${lan},other.test`;
  const res = await get(`http://${lan}:${server.port}`);
  expect(tunnels).toEqual([]);
  expect(res.data.host).toBe(`${lan}:${server.port}`);
  delete process.env.NO_PROXY;
  await get(`http://${lan}:${server.port}`);
  expect(tunnels).toEqual([`${lan}:${server.port}`]);
});

test.each([
  ['http://api.lambdalabs.com/x', { HTTP_PROXY: 'http://p:1' }, 'http://p:1'],
  ['https://api.lambdalabs.com/x', { HTTP_PROXY: 'http://p:1' }, undefined],
  ['https://api.lambdalabs.com/x', { https_proxy: 'http://p:2' }, 'http://p:2'],
  ['https://api.lambdalabs.com/x', { HTTPS_PROXY: 'http://p:2', NO_PROXY: 'lambdalabs.com' }, undefined],
  ['https://api.lambdalabs.com/x', { HTTPS_PROXY: 'http://p:2', NO_PROXY: '.lambdalabs.com' }, undefined],
  ['https://api.lambdalabs.com/x', { HTTPS_PROXY: 'http://p:2', NO_PROXY: '*.lambdalabs.com' }, undefined],
  ['https://api.lambdalabs.com/x', { HTTPS_PROXY: 'http://p:2', no_proxy: 'other.com, *' }, undefined],
  ['https://api.lambdalabs.com/x', { HTTPS_PROXY: 'http://p:2', NO_PROXY: 'api.lambdalabs.com:8443' }, 'http://p:2'],
  ['https://api.lambdalabs.com:8443/x', { HTTPS_PROXY: 'http://p:2', NO_PROXY: 'api.lambdalabs.com:8443' }, undefined],
  ['https://notlambdalabs.com/x', { HTTPS_PROXY: 'http://p:2', NO_PROXY: 'lambdalabs.com' }, 'http://p:2'],
  ['http://127.0.0.1:8188/x', { HTTP_PROXY: 'http://p:1' }, undefined],
  ['http://[::1]:8188/x', { HTTP_PROXY: 'http://p:1' }, undefined],
])('proxy for %s with %j is %s', (url, env, expected) => {
  expect(proxyFor(new URL(url), env)).toBe(expected);
});

test('a proxy without a scheme means http; one that is not a URL is refused in one line, its password hidden', async () => {
  expect(proxyFor(new URL('https://api.runpod.io/x'), { HTTPS_PROXY: 'proxy.corp:3128' })).toBe('http://proxy.corp:3128');
  expect(() => proxyFor(new URL('https://api.runpod.io/x'), { HTTPS_PROXY: 'http://user:pw123456@[bad' })).toThrow(BadInputError);
  expect(() => proxyFor(new URL('https://api.runpod.io/x'), { HTTPS_PROXY: 'http://user:pw123456@[bad' })).toThrow('the proxy variable\'s value "http://***@[bad" is not a proxy URL; accepted: http://host:port');
  process.env.HTTP_PROXY = 'http://[bad';
  await expect(get(`http://cloud.example.test:${server.port}`)).rejects.toBeInstanceOf(BadInputError);
});
