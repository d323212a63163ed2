/**
 * A client that leaves the simulated RunPod proxy halfway through a request body: the proxy drops its upstream request
 * too, so the machine's server sees the request end instead of waiting forever on a half-sent body (which turned into
 * 'aborted' errors when the machine later closed, failing the whole RunPod kill matrix).
 */
import http from 'http';
import net from 'net';
import type { AddressInfo } from 'net';
import type { ComfyFactory } from '../../../src/sim/common/machine-host';
import type { ProviderSim } from '../../../src/sim/common/types';
import { call, podBody, startSim, waitFor, waitForStatus } from './helpers';

/** A stand-in ComfyUI that reads whole bodies and counts requests whose client went away before the body ended. */
let endedEarly = 0;
const readsBodies: ComfyFactory = async ({ host, port }) => {
  const server = http.createServer((req, res) => {
    req.on('close', () => {
      if (!req.complete) endedEarly++;
    });
    req.on('error', () => undefined);
    req.on('end', () => res.end('ok'));
    req.resume();
  });
  await new Promise<void>((r) => server.listen(port, host, r));
  return {
    url: `http://${host}:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
};

let sim: ProviderSim;
let key: string;
beforeAll(async () => {
  ({ sim, key } = await startSim({}, readsBodies));
});
afterAll(() => sim.close());

test('the client leaves halfway through a POST: the upstream request ends too', async () => {
  const id = (await call(sim, 'POST', '/v2/pods', { key, body: podBody() })).body.id as string;
  await waitForStatus(sim, key, id, 'RUNNING');
  // The whole exchange works through the proxy first.
  await waitFor(async () => ((await fetch(`${sim.url}/proxy/${id}-8188/prompt`, { method: 'POST', body: '{}' })).status === 200) || undefined, 'the proxy to answer');

  const { hostname, port } = new URL(sim.url);
  const socket = net.connect(Number(port), hostname);
  await new Promise((r) => socket.once('connect', r));
  socket.write(`POST /proxy/${id}-8188/prompt HTTP/1.1\r\nHost: ${hostname}\r\nContent-Length: 300\r\n\r\n{"prompt":`);
  await new Promise((r) => setTimeout(r, 100)); // let the partial body reach the machine
  socket.destroy();

  expect(await waitFor(() => (endedEarly === 1 ? true : undefined), 'the upstream request to end')).toBe(true);
  await call(sim, 'DELETE', `/v2/pods/${id}`, { key });
});
