/** The simulated RunPod HTTP proxy forwards websocket upgrades (ComfyUI's /ws) and streams HTTP. */
import http from 'http';
import type { AddressInfo } from 'net';
import WebSocket, { WebSocketServer } from 'ws';
import type { ComfyFactory } from '../../../src/sim/common/machine-host';
import type { ProviderSim } from '../../../src/sim/common/types';
import { TOKEN, call, podBody, startSim, waitFor, waitForStatus } from './helpers';

/** A ComfyUI stand-in with a token-gated websocket that echoes, and a streamed HTTP answer. */
const comfyWithWs: ComfyFactory = async ({ host, port, token }) => {
  const server = http.createServer((req, res) => {
    if (req.headers.authorization !== `Bearer ${token}`) return void res.writeHead(401).end();
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('part1,');
    setTimeout(() => res.end('part2'), 20);
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    if (!new URL(req.url ?? '/', 'http://x').searchParams.get('token')?.startsWith(token)) return void socket.destroy();
    wss.handleUpgrade(req, socket, head, (ws) => ws.on('message', (m) => ws.send(`echo:${m}`)));
  });
  await new Promise<void>((r) => server.listen(port, host, r));
  return {
    url: `http://${host}:${(server.address() as AddressInfo).port}`,
    close: async () => {
      for (const c of wss.clients) c.terminate();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
};

let sim: ProviderSim;
let key: string;

beforeAll(async () => {
  ({ sim, key } = await startSim({}, comfyWithWs));
});
afterAll(() => sim.close());

function openWs(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

test('websocket through the proxy: 502 before the service listens, then an echo', async () => {
  const created = await call(sim, 'POST', '/v2/pods', { key, body: podBody() });
  const id = created.body.id as string;
  const wsUrl = `${sim.url.replace('http', 'ws')}/proxy/${id}-8188/ws?token=${TOKEN}&clientId=abc`;
  await expect(openWs(wsUrl)).rejects.toThrow(/502/);

  await waitForStatus(sim, key, id, 'RUNNING');
  const ws = await waitFor(() => openWs(wsUrl).catch(() => undefined), 'the websocket to open');
  const reply = new Promise<string>((r) => ws.once('message', (m) => r(String(m))));
  ws.send('hello');
  expect(await reply).toBe('echo:hello');
  ws.close();

  const res = await fetch(`${sim.url}/proxy/${id}-8188/anything`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(await res.text()).toBe('part1,part2');
  await call(sim, 'DELETE', `/v2/pods/${id}`, { key });
});

test('an unknown pod is 502 for HTTP and websocket alike', async () => {
  expect((await fetch(`${sim.url}/proxy/nosuchpod-8188/system_stats`)).status).toBe(502);
  await expect(openWs(`${sim.url.replace('http', 'ws')}/proxy/nosuchpod-8188/ws`)).rejects.toThrow(/502/);
});
