import { loadCatalog } from '../../src/catalog/load';
import { catalogOffers } from '../../src/catalog/offers';
import { Batch, estimate } from '../../src/estimate/estimator';
import { getProfile, PROFILES, profileNames } from '../../src/estimate/profiles';

const { catalog } = loadCatalog({ env: {} });
const vast4090 = catalogOffers(catalog).filter((o) => o.provider === 'vast' && o.gpu === 'RTX 4090' && !o.interruptible);
const fp32Factor = catalog.gpus['RTX 4090'].precision.fp16SpeedupVsFp32;

function secondsPerImage(batch: Batch): number {
  return estimate({ batch, catalog, offers: vast4090 }).rows[0].secondsPerImage;
}

test('the six profiles the issue names, with their defaults', () => {
  expect(profileNames()).toEqual(['sd15', 'sdxl', 'sd-turbo', 'lcm', 'flux-dev', 'flux-schnell']);
  const defaults = PROFILES.map((p) => [p.name, p.width, p.height, p.defaultSteps]);
  expect(defaults).toEqual([
    ['sd15', 512, 512, 20],
    ['sdxl', 1024, 1024, 20],
    ['sd-turbo', 512, 512, 1],
    ['lcm', 1024, 1024, 4],
    ['flux-dev', 1024, 1024, 20],
    ['flux-schnell', 1024, 1024, 4],
  ]);
  for (const p of PROFILES) expect(p.basis).toMatch(/\[(V|I)/);
});

test('unknown model: BadInputError listing the accepted names', () => {
  expect(() => getProfile('sd3')).toThrow('--model: unknown model "sd3"; accepted: sd15, sdxl, sd-turbo, lcm, flux-dev, flux-schnell');
});

describe.each(PROFILES.map((p) => [p.name]))('%s scales on an RTX 4090', (name) => {
  const p = getProfile(name);
  const base: Batch = { model: name, images: 100, steps: p.defaultSteps, width: p.width, height: p.height, batchSize: 1, precision: 'fp16' };
  const t = secondsPerImage(base);

  test('steps: linear, with a positive fixed overhead', () => {
    const s = p.defaultSteps;
    const t2 = secondsPerImage({ ...base, steps: 2 * s });
    const t3 = secondsPerImage({ ...base, steps: 3 * s });
    expect(t3 - t2).toBeCloseTo(t2 - t, 10);
    const overhead = t - (t2 - t); // time at 0 steps
    expect(overhead).toBeGreaterThan(0);
    expect(overhead).toBeLessThan(t);
  });

  test('pixels: four times the pixels, four times the time', () => {
    expect(secondsPerImage({ ...base, width: 2 * p.width, height: 2 * p.height })).toBeCloseTo(4 * t, 10);
  });

  test("batch: batch 4 divides by the GPU's measured batch gain", () => {
    const row = catalog.throughput.find((r) => r.gpu === 'RTX 4090' && r.model === p.throughputModel)!;
    expect(secondsPerImage({ ...base, batchSize: 4 })).toBeCloseTo(t / row.batchGain, 10);
  });

  test("fp32: the GPU's fp16 factor slower", () => {
    expect(secondsPerImage({ ...base, precision: 'fp32' })).toBeCloseTo(t * fp32Factor, 10);
  });
});

test('few-step profiles are much faster per image than their base, but not by the step ratio (fixed overhead)', () => {
  const at = (model: string) => {
    const p = getProfile(model);
    return secondsPerImage({ model, images: 100, steps: p.defaultSteps, width: p.width, height: p.height, batchSize: 1, precision: 'fp16' });
  };
  const ratioLcm = at('sdxl') / at('lcm'); // 20 CFG steps vs 4 no-CFG steps = 10x fewer UNet passes
  expect(ratioLcm).toBeGreaterThan(3); // reference §1d: few-step models cut time 3-5x
  expect(ratioLcm).toBeLessThan(10);
  const ratioSchnell = at('flux-dev') / at('flux-schnell');
  expect(ratioSchnell).toBeGreaterThan(3);
  expect(ratioSchnell).toBeLessThan(5);
  expect(at('sd15') / at('sd-turbo')).toBeGreaterThan(3);
});
