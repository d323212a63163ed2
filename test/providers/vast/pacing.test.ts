/**
 * With the simulator enforcing Vast's documented per-endpoint limits (its default), the adapter configured from
 * the simulator's env paces itself: a whole create → ready → terminate draws no 429. A few seconds by nature.
 */
import { configFromEnv, createProvider } from '../../../providers';
import { start } from '../../../src/sim/vast';

test('paced to the documented limits: create → ready → terminate without a single 429', async () => {
  const sim = await start({ timings: { provisionMs: 20, bootMs: 30, comfyStartMs: 20, stopMs: 20 } });
  try {
    const provider = createProvider('vast', configFromEnv('vast', sim.env));
    const [offer] = (await provider.listOffers({ interruptible: false })).filter((o) => o.available);
    const token = 'pacing-token-0123';
    const created = await provider.createMachine({
      spec: { name: 'gpuburst-pacing', sessionId: 'p1', offerId: offer.offerId, image: 'vastai/comfy:v0.3.64-cuda-12.9-py312', env: { OPEN_BUTTON_TOKEN: token, PORTAL_CONFIG: 'localhost:8188:18188:/:ComfyUI' }, ports: [{ port: 8188, protocol: 'http' }], diskGb: 20 },
    });
    const probe = async (endpoint: string) => (await fetch(`${endpoint}/system_stats`, { headers: { authorization: `Bearer ${token}` } })).status === 200;
    expect((await provider.waitUntilReady({ id: created.id, probe, timeoutSeconds: 20, pollSeconds: 0.05 })).status).toBe('ready');
    await provider.terminateMachine({ id: created.id });
    expect(sim.server.requests.filter((r) => r.status === 429)).toEqual([]);
    expect(sim.state().machines.filter((m) => m.billing)).toEqual([]);
  } finally {
    await sim.close();
  }
}, 30_000);
