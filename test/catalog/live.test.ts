import { catalogOffers } from '../../src/catalog/offers';
import { AuthError } from '../../providers/errors';
import type { CloudProviderName, Offer, Provider } from '../../providers/types';
import { collectOffers } from '../../src/catalog/live';
import { loadCatalog } from '../../src/catalog/load';

const { catalog } = loadCatalog({ env: {} });

function liveOffer(provider: CloudProviderName, gpu: string, usdPerHour: number): Offer {
  return { provider, offerId: `${provider}-${gpu}`, gpu, gpuCount: 1, vramGb: 24, usdPerHour, interruptible: false, region: 'US', available: true, live: true };
}

/** A fake adapter: only listOffers matters here; anything else fails loudly. */
function fake(name: CloudProviderName, listOffers: () => Promise<Offer[]>): Provider {
  const no = () => {
    throw new Error('not used');
  };
  return { name, listOffers, capabilities: no, createMachine: no, getMachine: no, waitUntilReady: no, stopMachine: no, terminateMachine: no, listMachines: no, killSwitch: no } as unknown as Provider;
}

test('clouds with a key are read live, the others come from the catalog, a failure is reported and falls back', async () => {
  const asked: string[] = [];
  const make = (name: CloudProviderName) => {
    asked.push(name);
    if (name === 'vast') return fake(name, async () => [liveOffer('vast', 'NVIDIA GeForce RTX 4090', 0.31)]);
    return fake(name, async () => {
      throw new AuthError('runpod: the API key was rejected', { provider: 'runpod' });
    });
  };
  const env = { VAST_API_KEY: 'k-vast-123456', RUNPOD_API_KEY: 'k-runpod-123456' };
  const result = await collectOffers({ catalog, env, makeProvider: make, today: '2026-11-25' });

  expect(asked.sort()).toEqual(['runpod', 'vast']);
  expect(result.live).toEqual(['vast']);
  expect(result.errors).toEqual([{ provider: 'runpod', code: 'ERR_AUTH', message: 'runpod: the API key was rejected' }]);
  const vast = result.offers.filter((o) => o.provider === 'vast');
  expect(vast).toEqual([expect.objectContaining({ gpu: 'RTX 4090', usdPerHour: 0.31, live: true, date: '2026-11-25', region: 'US', available: true })]);
  // runpod failed: its catalog rows stand in; lambda and paperspace have no key: catalog too.
  for (const p of ['runpod', 'lambda', 'paperspace']) {
    const rows = result.offers.filter((o) => o.provider === p);
    expect(rows.length).toBe(catalogOffers(catalog).filter((o) => o.provider === p).length);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((o) => !o.live && o.region === null && o.available === null)).toBe(true);
  }
  expect(result.offers.some((o) => o.provider === 'local' || o.provider === 'colab')).toBe(false);
});

test('--offline asks no provider, even with keys set', async () => {
  const make = jest.fn();
  const result = await collectOffers({ catalog, env: { VAST_API_KEY: 'k-vast-123456' }, offline: true, makeProvider: make });
  expect(make).not.toHaveBeenCalled();
  expect(result.live).toEqual([]);
  expect(result.offers.every((o) => !o.live)).toBe(true);
});

test('a synchronous throw while building an adapter (module missing) is one provider error, not a crash', async () => {
  const make = (name: CloudProviderName): Provider => {
    if (name === 'lambda') throw Object.assign(new Error("Cannot find module './lambda'\nRequire stack: x"), { code: 'MODULE_NOT_FOUND' });
    return fake(name, async () => []);
  };
  const result = await collectOffers({ catalog, env: { LAMBDA_API_KEY: 'k-lambda-12345', PAPERSPACE_API_KEY: 'k-ps-123456' }, makeProvider: make });
  expect(result.errors).toEqual([{ provider: 'lambda', code: 'ERR_UNEXPECTED', message: "Cannot find module './lambda'" }]);
  expect(result.live).toEqual(['paperspace']);
  expect(result.offers.filter((o) => o.provider === 'paperspace')).toEqual([]);
});
