/** Readiness against what else can answer on ComfyUI's port: a VM's bootstrap status server, JSON that is not ComfyUI. */
import http from 'http';
import type { AddressInfo } from 'net';
import type { BootstrapStatus } from '../../providers/bootstrap';
import { ComfyClient } from '../../src/comfy/client';

let answer: unknown;
let server: http.Server;
let url: string;
beforeAll(async () => {
  server = http.createServer((_req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

test('a running bootstrap phase is not ready and is reported; a failed one throws naming the phase', async () => {
  const seen: BootstrapStatus[] = [];
  const client = new ComfyClient({ baseUrl: url, token: 't', machineId: 'vm-1', onBootstrap: (s) => seen.push(s) });
  answer = { gpuburst_bootstrap: { phase: 'nvidia-runtime', state: 'running' } };
  expect(await client.isReady()).toBe(false);
  expect(seen).toEqual([{ phase: 'nvidia-runtime', state: 'running' }]);
  answer = { gpuburst_bootstrap: { phase: 'docker', state: 'failed' } };
  await expect(client.isReady()).rejects.toMatchObject({ code: 'ERR_PROVIDER', machineId: 'vm-1', message: expect.stringContaining('installing Docker (phase docker)') });
});

test('JSON that is not ComfyUI /system_stats is not ready; ComfyUI\'s is', async () => {
  const client = new ComfyClient({ baseUrl: url, token: 't' });
  for (const other of [{}, { status: 'ok' }, { system: 'x', devices: [] }, { system: {} }]) {
    answer = other;
    expect(await client.isReady()).toBe(false);
  }
  answer = { system: { os: 'posix', comfyui_version: '0.3.64' }, devices: [] };
  expect(await client.isReady()).toBe(true);
});

test('expectReady: passes for ComfyUI, and says what answered instead, in one line, for anything else', async () => {
  const client = new ComfyClient({ baseUrl: url });
  answer = { system: { os: 'posix', comfyui_version: '0.3.64' }, devices: [] };
  await expect(client.expectReady(1000)).resolves.toBeUndefined();
  answer = { status: 'ok' };
  await expect(client.expectReady(1000)).rejects.toMatchObject({ code: 'ERR_TRANSIENT', message: `no ComfyUI answers at ${url}: JSON that is not ComfyUI's /system_stats` });
  const refused = new ComfyClient({ baseUrl: 'http://127.0.0.1:1' });
  await expect(refused.expectReady(1000)).rejects.toMatchObject({ code: 'ERR_TRANSIENT', message: expect.stringMatching(/^no ComfyUI answers at http:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/) });
});

test('expectReady: Ctrl-C (the signal) ends the probe with the cancellation, not a verdict on the server', async () => {
  const silent = http.createServer(() => undefined);
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
  const ac = new AbortController();
  const client = new ComfyClient({ baseUrl: `http://127.0.0.1:${(silent.address() as AddressInfo).port}` });
  const probe = client.expectReady(30_000, ac.signal);
  setTimeout(() => ac.abort(), 50);
  await expect(probe).rejects.toMatchObject({ message: 'comfyui: GET /system_stats was cancelled' });
  silent.closeAllConnections();
  await new Promise<void>((r) => silent.close(() => r()));
});
