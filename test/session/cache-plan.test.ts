/**
 * Planning a model cache before anything is rented (src/session/cache.ts), against adapters that only list: an
 * existing cache gives its region; a new one needs one and is sized from the models; a RunPod volume too small for
 * the models, two caches of one name, or a region other than the cache's are refused in one line.
 */
import { CAPABILITIES as LAMBDA } from '../../providers/lambda/adapter';
import { CAPABILITIES as RUNPOD } from '../../providers/runpod/adapter';
import type { Capabilities, ModelCache, Provider } from '../../providers/types';
import { planCache } from '../../src/session/cache';

function adapter(caps: Capabilities, caches: Partial<ModelCache>[]): Provider {
  return { capabilities: () => caps, listCaches: async () => caches } as unknown as Provider;
}
const volume = (o: Partial<ModelCache>): Partial<ModelCache> => ({ provider: 'runpod', id: 'v1', name: 'models', region: 'EU-RO-1', mountPath: '/gpuburst-cache', sizeGb: 50, usdPerMonth: 3.5, ...o });

test('an existing cache gives the region; a new one is sized from the models with room to spare', async () => {
  const found = await planCache({ provider: 'runpod', adapter: adapter(RUNPOD, [volume({})]), name: 'models', modelBytes: 7e9 });
  expect(found).toMatchObject({ region: 'EU-RO-1', sizeGb: 50, usdPerMonth: 3.5, existing: expect.objectContaining({ id: 'v1' }) });
  const fresh = await planCache({ provider: 'runpod', adapter: adapter(RUNPOD, []), name: 'models', region: 'US-KS-2', modelBytes: 20e9 });
  expect(fresh).toMatchObject({ region: 'US-KS-2', sizeGb: 30, usdPerMonth: 2.1 }); // 20 GB × 1.25 + 5
  expect(fresh.existing).toBeUndefined();
  const lambda = await planCache({ provider: 'lambda', adapter: adapter(LAMBDA, []), name: 'models', region: 'us-east-1', modelBytes: 10 * 2 ** 30 });
  expect(lambda.usdPerMonth).toBe(2); // 10 GiB stored × $0.20
});

test('refusals before renting: too small, two of one name, another region, no region for a new cache', async () => {
  await expect(planCache({ provider: 'runpod', adapter: adapter(RUNPOD, [volume({ sizeGb: 10 })]), name: 'models', modelBytes: 20e9 })).rejects.toMatchObject({ code: 'ERR_BAD_INPUT', message: expect.stringMatching(/holds 10 GB at runpod; the batch's models take 20\.0 GB/) });
  await expect(planCache({ provider: 'runpod', adapter: adapter(RUNPOD, [volume({}), volume({ id: 'v2' })]), name: 'models', modelBytes: 0 })).rejects.toMatchObject({ message: expect.stringMatching(/2 caches of that name/) });
  await expect(planCache({ provider: 'runpod', adapter: adapter(RUNPOD, [volume({})]), name: 'models', region: 'US-KS-2', modelBytes: 0 })).rejects.toMatchObject({ message: expect.stringMatching(/exists at runpod in EU-RO-1/) });
  await expect(planCache({ provider: 'lambda', adapter: adapter(LAMBDA, []), name: 'models', modelBytes: 0 })).rejects.toMatchObject({ message: expect.stringMatching(/--cache-region \(a region such as us-east-1\)/) });
});
