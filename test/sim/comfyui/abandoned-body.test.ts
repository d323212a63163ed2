/**
 * A client that goes away halfway through a request body (a killed CLI, a proxy that gave up) is an ordinary event
 * for a server: the request is dropped and the server keeps serving. It used to reject the simulator's request
 * handler with "aborted" once the server closed the half-read request, an unhandled rejection that failed every
 * test of whatever file was running (the whole RunPod kill matrix).
 */
import net from 'net';
import { ComfySim, startComfySim } from '../../../src/sim/comfyui';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends the headers of a POST and a third of its body, then leaves the socket open (or destroys it). */
async function halfPost(url: string, path: string, destroy: boolean): Promise<net.Socket> {
  const { hostname, port } = new URL(url);
  const socket = net.connect(Number(port), hostname);
  await new Promise((r) => socket.once('connect', r));
  socket.write(`POST ${path} HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\nContent-Length: 300\r\n\r\n{"prompt":`);
  await sleep(50);
  if (destroy) socket.destroy();
  return socket;
}

test.each([['/prompt'], ['/_sim/faults']])('a client leaving halfway through a POST %s: the server keeps serving', async (route) => {
  const sim: ComfySim = await startComfySim();
  try {
    await halfPost(sim.url, route, true);
    await sleep(100);
    const res = await fetch(`${sim.url}/_sim/state`);
    expect(res.status).toBe(200);
  } finally {
    await sim.close();
  }
});

test.each([['/prompt'], ['/_sim/faults']])('closing the server under a half-sent POST %s settles quietly', async (route) => {
  const sim: ComfySim = await startComfySim();
  const socket = await halfPost(sim.url, route, false);
  await sim.close();
  socket.destroy();
  // An unhandled rejection from the dropped request would surface here and fail this test.
  await sleep(200);
  expect(sim.app).toBeUndefined();
});
