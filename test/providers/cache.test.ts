/**
 * The model-cache capability, over real HTTP against each simulator: RunPod network volumes and Lambda filesystems
 * are created, listed with their monthly price, attached at create (placing the machine in the cache's region),
 * refused for deletion while a machine mounts them, kept when the machine ends, then deleted. Vast and Paperspace
 * refuse with the reason from their capabilities.
 */
import crypto from 'crypto';
import { configFromEnv, createProvider } from '../../providers';
import { GpuburstError } from '../../providers/errors';
import type { MachineSpec, ModelCache, Offer, Provider } from '../../providers/types';
import { createBody as lambdaBody } from '../../providers/lambda/machine';
import { createBody as runpodBody } from '../../providers/runpod/machine';
import { parseOfferId } from '../../providers/runpod/offers';
import { checkRequest } from '../../src/sim/api-schemas';
import type { ProviderSim } from '../../src/sim/common/types';
import { harness as lambda } from './harness/lambda';
import { harness as paperspace } from './harness/paperspace';
import { harness as runpod } from './harness/runpod';
import { harness as vast } from './harness/vast';
import type { ContractHarness } from './harness/types';

// Real processes and servers on a shared machine: jest's 5 s default is too short under load.
jest.setTimeout(30_000);

const TIMINGS = { provisionMs: 100, bootMs: 150, comfyStartMs: 100, stopMs: 100 };

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(GpuburstError);
    return (err as GpuburstError).code;
  }
  return 'resolved';
}

function spec(offer: Offer, cache: ModelCache): MachineSpec {
  return {
    name: `gpuburst-cache-${crypto.randomBytes(4).toString('hex')}`,
    sessionId: 'cache-session',
    offerId: offer.offerId,
    image: 'ghcr.io/ai-dock/comfyui:latest-cuda',
    env: { WEB_TOKEN: crypto.randomBytes(8).toString('hex') },
    ports: [{ port: 8188, protocol: 'http' }],
    diskGb: 40,
    cache: { id: cache.id, name: cache.name, region: cache.region, mountPath: cache.mountPath },
  };
}

async function open(h: ContractHarness): Promise<{ sim: ProviderSim; provider: Provider }> {
  const sim = await h.start({ timings: TIMINGS });
  return { sim, provider: createProvider(h.provider, { ...configFromEnv(h.provider, { ...sim.env, ...h.env }), timeoutMs: 1500 }) };
}

/** A region each simulator places machines in: RunPod's secure data center, Lambda's cheapest region with capacity. */
const REGIONS: Record<string, (p: Provider) => Promise<string>> = {
  runpod: async () => 'US-KS-2',
  lambda: async (p) => (await p.listOffers({})).filter((o) => o.available).sort((a, b) => a.usdPerHour - b.usdPerHour)[0].region,
};

describe.each([['runpod', runpod], ['lambda', lambda]] as const)('model cache on %s', (_name, h) => {
  let sim: ProviderSim;
  let provider: Provider;

  beforeAll(async () => ({ sim, provider } = await open(h)));
  afterAll(async () => {
    for (const m of sim.state().machines.filter((x) => x.billing)) await provider.terminateMachine({ id: m.id }).catch(() => undefined);
    await sim.close();
  });

  test('create, list with its price, attach, refuse delete while mounted, survive the machine, delete', async () => {
    const region = await REGIONS[h.provider](provider);
    const cache = await provider.createCache({ name: 'models-a', region, sizeGb: 25 });
    expect(cache).toMatchObject({ provider: h.provider, name: 'models-a', region });
    expect(provider.capabilities().modelCache.supported).toBe(true);
    const listed = await provider.listCaches({});
    expect(listed.map((c) => c.id)).toEqual([cache.id]);
    if (h.provider === 'runpod') expect(listed[0]).toMatchObject({ sizeGb: 25, usdPerMonth: 1.75 });
    expect(sim.state().volumes).toEqual([expect.objectContaining({ id: cache.id, deleted: false })]);

    const offers = await provider.listOffers({ region });
    expect(offers.length).toBeGreaterThan(0);
    expect(offers.every((o) => o.region === region)).toBe(true);
    const offer = offers.find((o) => o.available)!;
    const machine = await provider.createMachine({ spec: spec(offer, cache) });

    expect(await code(provider.deleteCache({ id: cache.id }))).toBe('ERR_PROVIDER');
    expect((await provider.listCaches({})).map((c) => c.id)).toEqual([cache.id]);

    await provider.terminateMachine({ id: machine.id });
    expect((await provider.listCaches({})).map((c) => c.id)).toEqual([cache.id]);
    expect(sim.state().machines.filter((m) => m.billing)).toEqual([]);
    expect(sim.state().volumes?.[0].deleted).toBe(false);

    await provider.deleteCache({ id: cache.id });
    await provider.deleteCache({ id: cache.id }); // already gone: fine
    expect(await provider.listCaches({})).toEqual([]);
    expect(sim.state().volumes?.[0].deleted).toBe(true);
  });

  test('a machine is never placed outside its cache region', async () => {
    const cache = await provider.createCache({ name: 'models-b', region: h.provider === 'runpod' ? 'EU-RO-1' : 'us-south-1', sizeGb: 10 });
    const elsewhere = (await provider.listOffers({})).find((o) => o.available && o.region !== cache.region && !o.interruptible && o.region !== 'community')!;
    const before = sim.state().machines.length;
    expect(await code(provider.createMachine({ spec: spec(elsewhere, cache) }))).not.toBe('resolved');
    expect(sim.state().machines.length).toBe(before);
    await provider.deleteCache({ id: cache.id });
  });

  test('a cache create whose response is lost yields exactly one cache (looked up by name, never sent twice blindly)', async () => {
    const path = h.provider === 'runpod' ? '^/v2/network-volumes$' : '^/api/v1/filesystems$';
    sim.server.faults.add({ fault: { kind: 'lose-response' }, method: 'POST', path, times: 1 });
    const region = await REGIONS[h.provider](provider);
    const made = await provider.createCache({ name: 'models-lost', region, sizeGb: 10 });
    const named = sim.state().volumes!.filter((v) => v.name === 'models-lost' && !v.deleted);
    expect(named.map((v) => v.id)).toEqual([made.id]);
    await provider.deleteCache({ id: made.id });
  });

  test('the simulator refuses what the API refuses: bad sizes and names, unknown places', async () => {
    const before = sim.state().volumes?.length ?? 0;
    if (h.provider === 'runpod') {
      expect(await code(provider.createCache({ name: 'x', region: 'US-KS-2', sizeGb: 5000 }))).toBe('ERR_BAD_INPUT');
      expect(await code(provider.createCache({ name: 'x', region: 'MOON-1', sizeGb: 10 }))).not.toBe('resolved');
    } else {
      expect(await code(provider.createCache({ name: '1-starts-with-digit', region: 'us-east-1', sizeGb: 0 }))).toBe('ERR_BAD_INPUT');
      expect(await code(provider.createCache({ name: 'ok-name', region: 'mars-1', sizeGb: 0 }))).not.toBe('resolved');
    }
    expect(sim.state().volumes?.length ?? 0).toBe(before);
  });
});

describe.each([['vast', vast], ['paperspace', paperspace]] as const)('no model cache on %s', (_name, h) => {
  test('list, create and delete refuse with the capability reason; nothing is created', async () => {
    const { sim, provider } = await open(h);
    try {
      const reason = provider.capabilities().modelCache.reason;
      expect(provider.capabilities().modelCache.supported).toBe(false);
      await expect(provider.listCaches({})).rejects.toMatchObject({ code: 'ERR_UNSUPPORTED', message: `${h.provider}: no model cache: ${reason}` });
      await expect(provider.createCache({ name: 'models', region: 'x', sizeGb: 10 })).rejects.toMatchObject({ code: 'ERR_UNSUPPORTED' });
      await expect(provider.deleteCache({ id: 'x' })).rejects.toMatchObject({ code: 'ERR_UNSUPPORTED' });
      expect(sim.state().machines).toEqual([]);
    } finally {
      await sim.close();
    }
  });
});

describe('create bodies with a cache, checked against the published API descriptions', () => {
  const cache = { id: 'vol123', name: 'models', region: 'EU-RO-1', mountPath: '/gpuburst-cache' };
  const base = { name: 'gpuburst-x', sessionId: 's', offerId: '', image: 'img', env: {}, ports: [], diskGb: 10, cache };

  test('RunPod: pinned to the volume\'s data center, the volume mounted at its path', () => {
    const body = runpodBody(base, parseOfferId('NVIDIA L40S|SECURE|1'));
    expect(body).toMatchObject({ dataCenterIds: ['EU-RO-1'], mounts: { network: [{ volumeId: 'vol123', path: '/gpuburst-cache' }] } });
    expect(checkRequest('runpod', 'createPod', body)).toEqual([]);
    expect(runpodBody({ ...base, cache: undefined }, parseOfferId('NVIDIA L40S|SECURE|1'))).not.toHaveProperty('mounts');
  });

  test('Lambda: the filesystem by name at launch', () => {
    const body = lambdaBody({ ...base, cache: { ...cache, region: 'us-east-1', mountPath: '/lambda/nfs/models' } }, { type: 'gpu_1x_a10', region: 'us-east-1', sshKeyName: 'k' });
    expect(body.file_system_names).toEqual(['models']);
    expect(checkRequest('lambda', 'launch', body)).toEqual([]);
  });
});
