/**
 * The kill switch end to end against the simulator: the request the adapter declares, filled from the environment
 * the pod really got (RUNPOD_POD_ID, the pod-scoped RUNPOD_API_KEY), terminates that pod and ends its billing.
 */
import { createProvider } from '../../../providers/runpod';
import { configFromEnv } from '../../../providers';
import { TOKEN, startSim, waitFor } from '../../sim/runpod/helpers';

const fill = (s: string, env: Record<string, string>) => s.replace(/\$\{(\w+)\}/g, (_m, k: string) => env[k] ?? '');

test('the watchdog request deletes its own pod with the pod-scoped key', async () => {
  const { sim, key, booted } = await startSim();
  try {
    const provider = createProvider(configFromEnv('runpod', sim.env));
    const offer = (await provider.listOffers({ interruptible: false, gpu: 'RTX 4090' })).find((o) => o.available)!;
    const machine = await provider.createMachine({
      spec: { name: 'gpuburst-ks-1', sessionId: 'ks', offerId: offer.offerId, image: 'img', env: { WEB_TOKEN: TOKEN }, ports: [{ port: 8188, protocol: 'http' }], diskGb: 20 },
    });
    const boot = await waitFor(() => booted.boots.find((b) => b.machineId === machine.id), 'the pod to boot');
    const ks = provider.killSwitch({ name: 'gpuburst-ks-1' });
    const env = { ...boot.env, ...ks.env };
    expect(env.RUNPOD_API_KEY).not.toBe(key);

    const res = await fetch(fill(ks.terminate.url, env), {
      method: ks.terminate.method,
      headers: Object.fromEntries(Object.entries(ks.terminate.headers).map(([k, v]) => [k, fill(v, env)])),
    });
    expect(res.status).toBe(204);
    expect(sim.state().machines.find((m) => m.id === machine.id)).toMatchObject({ billing: false, status: 'TERMINATED' });
    expect((await provider.getMachine({ id: machine.id })).status).toBe('terminated');
  } finally {
    await sim.close();
  }
});
