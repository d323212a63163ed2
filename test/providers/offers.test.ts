/**
 * Offers over real HTTP from all four simulators: every GPU a simulator offers normalizes to a name of the one table
 * (and the catalog's names are from that table), and the same ListOffersOptions are honoured the same way by every
 * adapter (the shared filter, providers/offer-filter.ts), gpuCount included.
 */
import fs from 'fs';
import path from 'path';
import { configFromEnv, createProvider } from '../../providers';
import { GPU_NAMES } from '../../providers/gpus';
import { offerMatches } from '../../providers/offer-filter';
import type { ListOffersOptions, Offer, Provider } from '../../providers/types';
import type { ProviderSim } from '../../src/sim/common/types';
import { loadCatalog } from '../../src/catalog/load';
import type { ContractHarness } from './harness/types';

const harnessDir = path.join(__dirname, 'harness');
const harnesses: ContractHarness[] = fs
  .readdirSync(harnessDir)
  .filter((f) => f.endsWith('.ts') && f !== 'types.ts')
  .map((f) => require(path.join(harnessDir, f)).harness as ContractHarness);

test('the catalog names its GPUs with the table\'s names', () => {
  const { catalog } = loadCatalog({ env: {} });
  expect(Object.keys(catalog.gpus).filter((g) => !GPU_NAMES.includes(g))).toEqual([]);
});

describe.each(harnesses.map((h) => [h.provider, h] as const))('%s offers', (_name, harness) => {
  let sim: ProviderSim;
  let provider: Provider;
  let all: Offer[];

  beforeAll(async () => {
    sim = await harness.start({});
    provider = createProvider(harness.provider, configFromEnv(harness.provider, { ...sim.env, ...harness.env }));
    all = await provider.listOffers({});
  });
  afterAll(() => sim.close());

  test('every GPU the simulator offers has a name from the one table', async () => {
    const spot = await provider.listOffers({ interruptible: true });
    const multi = await provider.listOffers({ gpuCount: 2 });
    const offered = [...all, ...spot, ...multi];
    expect(offered.length).toBeGreaterThan(3);
    expect([...new Set(offered.map((o) => o.gpu))].filter((g) => !GPU_NAMES.includes(g))).toEqual([]);
  });

  const cheapest = (offers: Offer[]) => Math.min(...offers.map((o) => o.usdPerHour));
  const optionSets: [string, (all: Offer[]) => ListOffersOptions][] = [
    ['gpu (any case)', (offers) => ({ gpu: offers[0].gpu.toLowerCase() })],
    ['minVramGb', () => ({ minVramGb: 40 })],
    ['maxUsdPerHour', (offers) => ({ maxUsdPerHour: cheapest(offers) + 0.01 })],
    ['on-demand only', () => ({ interruptible: false })],
    ['interruptible only', () => ({ interruptible: true })],
    ['gpuCount 2', () => ({ gpuCount: 2 })],
    ['all at once', (offers) => ({ gpu: offers[0].gpu, minVramGb: offers[0].vramGb, maxUsdPerHour: 1000, interruptible: false, gpuCount: 1 })],
  ];

  test.each(optionSets)('%s: every offer returned satisfies the options, cheapest first', async (_what, make) => {
    const opts = make(all.filter((o) => o.gpuCount === 1 && !o.interruptible));
    const offers = await provider.listOffers(opts);
    expect(offers.filter((o) => !offerMatches(o, opts))).toEqual([]);
    expect(offers.map((o) => o.usdPerHour)).toEqual([...offers.map((o) => o.usdPerHour)].sort((a, b) => a - b));
    // Nothing is lost either: what the unfiltered listing has and the options allow comes back.
    if (opts.gpuCount === undefined && opts.interruptible !== true) {
      expect(offers.length).toBe(all.filter((o) => offerMatches(o, opts)).length);
    }
  });

  test('gpuCount yields machines with that many GPUs (RunPod asks the catalog for the count)', async () => {
    const count = all.find((o) => o.gpuCount > 1)?.gpuCount ?? 2;
    const multi = await provider.listOffers({ gpuCount: count });
    expect(multi.length).toBeGreaterThan(0);
    expect(multi.every((o) => o.gpuCount === count)).toBe(true);
  });
});
