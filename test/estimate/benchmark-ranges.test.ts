/**
 * Predicted end-to-end it/s (20 steps, fp16, batch 1, base resolution) must sit inside the public benchmark ranges of
 * docs/reference/throughput-and-prices.md for every catalog GPU that has a measurement. The ranges are the
 * reference's figures, cited per row; a GPU without a public figure for a model is listed as such.
 */
import { loadCatalog } from '../../src/catalog/load';
import { catalogOffers } from '../../src/catalog/offers';
import { estimate } from '../../src/estimate/estimator';

interface Range {
  gpu: string;
  minItPerSecond: number;
  maxItPerSecond: number;
  source: string;
}

const SD15_512: Range[] = [
  { gpu: 'RTX 3060', minItPerSecond: 5.31, maxItPerSecond: 6.62, source: 'vladmandic/sd-data benchmark.md @ fbe76ab9, b1 p25-p75 (§1a)' },
  { gpu: 'RTX 3090', minItPerSecond: 11.3, maxItPerSecond: 15.47, source: 'same, b1 p25-p75' },
  { gpu: 'RTX 4080 SUPER', minItPerSecond: 8.81, maxItPerSecond: 19.36, source: 'same, RTX 4080 16GB b1 p25-p75 (no SUPER row)' },
  { gpu: 'RTX 4090', minItPerSecond: 14.67, maxItPerSecond: 25.51, source: 'same, b1 p25-p75' },
  { gpu: 'RTX A4000', minItPerSecond: 7.73, maxItPerSecond: 11.86, source: 'same, b1 p25-p75' },
  { gpu: 'RTX A5000', minItPerSecond: 13.16, maxItPerSecond: 15.43, source: 'same, b1 p25-p75' },
  { gpu: 'RTX A6000', minItPerSecond: 13.98, maxItPerSecond: 21.28, source: 'same, b1 p25-p75' },
  { gpu: 'RTX 6000 Ada', minItPerSecond: 28.76, maxItPerSecond: 29.44, source: 'same, b1 p25-p75' },
  { gpu: 'L4', minItPerSecond: 10.84, maxItPerSecond: 11.2, source: 'same, b1 p25-p75' },
  { gpu: 'A10', minItPerSecond: 13.52, maxItPerSecond: 14.07, source: 'same, b1 p25-p75' },
  { gpu: 'A100 40GB', minItPerSecond: 13.22, maxItPerSecond: 15.73, source: 'same, A100 SXM4 40GB b1 p25-p75' },
  { gpu: 'A100 80GB', minItPerSecond: 22.51, maxItPerSecond: 25.88, source: 'same, A100 SXM4 80GB b1 p25-p75' },
  { gpu: 'H100 80GB', minItPerSecond: 14.88, maxItPerSecond: 24.17, source: 'same, H100 PCIe b1 p25-p75' },
  { gpu: 'RTX 5090', minItPerSecond: 28.6, maxItPerSecond: 28.6, source: 'vladmandic/sd-data benchmark-raw-2025/2026, median b1 n=5 (no spread published)' },
];

const SDXL_1024: Range[] = [
  { gpu: 'RTX 3060', minItPerSecond: 1.1, maxItPerSecond: 1.45, source: 'vladmandic benchmark-raw-2025-03.json 1.10/1.38; stable-fast#63 1.44 (§1b)' },
  { gpu: 'RTX 3090', minItPerSecond: 1.89, maxItPerSecond: 3.6, source: 'vladmandic benchmark-raw-2025-08.json 1.89-2.22; HF lcm_lora.md 3.6' },
  { gpu: 'RTX 4080 SUPER', minItPerSecond: 4.2, maxItPerSecond: 4.2, source: 'vladmandic benchmark-raw-2025-02.json, b1 4.20' },
  { gpu: 'RTX 4090', minItPerSecond: 5.35, maxItPerSecond: 7.4, source: 'vladmandic 2025-03/04/07 5.35-6.95; HF lcm_lora.md 7.4' },
  { gpu: 'RTX 5090', minItPerSecond: 7.91, maxItPerSecond: 9.58, source: 'vladmandic benchmark-raw-2025-03/04.json' },
  { gpu: 'RTX 6000 Ada', minItPerSecond: 5.5, maxItPerSecond: 5.5, source: 'alexeigor/sd-benchmarks 9.07 s/img (compiled, 50 steps)' },
  { gpu: 'A100 40GB', minItPerSecond: 6.6, maxItPerSecond: 9.3, source: 'reference default table: A100 40/80GB 6.6-9.3 b1 (HF lcm_lora.md, alexeigor, fal.ai)' },
  { gpu: 'A100 80GB', minItPerSecond: 6.6, maxItPerSecond: 9.3, source: 'same: fal.ai 8.43, fast_diffusion.md 9.1, HF lcm_lora.md 6.6' },
];

/**
 * FLUX.1-dev at 1024², 20 steps (§1c). The RTX 5090's two figures bracket a ComfyUI server with the model resident:
 * 0.93 it/s per call at batch 1 (each call pays model moves and encoders) and 1.67 per image at the best batch.
 * The RTX 4080 (16GB) was measured per call with nf4 in Forge; its upper bound is that figure scaled by the 5090's
 * best-batch/per-call ratio (conv.).
 */
const FLUX_DEV_1024: Range[] = [
  { gpu: 'RTX 5090', minItPerSecond: 0.93, maxItPerSecond: 1.67, source: 'vladmandic benchmark-raw-2025-12.json, b1 0.93 (per call) to best batch 1.67' },
  { gpu: 'RTX 4080 SUPER', minItPerSecond: 0.39, maxItPerSecond: 0.7, source: 'vladmandic benchmark-raw-2025-03.json, RTX 4080 16GB Forge nf4 b1 0.39; x 1.67/0.93' },
];
const FLUX_UNMEASURED = ['RTX 3060', 'RTX 3090', 'RTX 4090', 'RTX A4000', 'RTX A5000', 'RTX A6000', 'RTX 6000 Ada', 'L4', 'L40S', 'A10', 'A100 40GB', 'A100 80GB', 'H100 80GB'];

/** "No per-GPU SDXL-1024 figures are available for L4, A10, L40S, RTX A4000/A5000/A6000, ... H100" (§1b). */
const SDXL_UNMEASURED = ['L4', 'A10', 'L40S', 'RTX A4000', 'RTX A5000', 'RTX A6000', 'H100 80GB'];
const SD15_UNMEASURED = ['L40S'];

const { catalog } = loadCatalog({ env: {} });
const cloudGpus = [...new Set(catalogOffers(catalog).map((o) => o.gpu))];

function predictedSecondsPerImage(model: string, size: number, gpu: string, steps = 20): number {
  const offers = catalogOffers(catalog).filter((o) => o.gpu === gpu).slice(0, 1);
  const batch = { model, images: 1, steps, width: size, height: size, batchSize: 1, precision: 'fp16' as const };
  return estimate({ batch, catalog, offers }).rows[0].secondsPerImage;
}

function predictedItPerSecond(model: string, size: number, gpu: string): number {
  return 20 / predictedSecondsPerImage(model, size, gpu);
}

describe.each([
  ['sd15', 512, SD15_512, SD15_UNMEASURED],
  ['sdxl', 1024, SDXL_1024, SDXL_UNMEASURED],
  ['flux-dev', 1024, FLUX_DEV_1024, FLUX_UNMEASURED],
] as const)('%s at %d², 20 steps, fp16, batch 1', (model, size, ranges, unmeasured) => {
  test('every GPU in the catalog is either measured here or listed as unmeasured', () => {
    const covered = [...ranges.map((r) => r.gpu), ...unmeasured].sort();
    expect(covered).toEqual([...cloudGpus].sort());
  });

  test.each(ranges.map((r) => [r.gpu, r]))('%s', (_gpu, range) => {
    const itPerSecond = predictedItPerSecond(model, size, range.gpu);
    // 0.5 % slack for a single published figure reproduced through float arithmetic.
    expect(itPerSecond).toBeGreaterThanOrEqual(range.minItPerSecond * 0.995);
    expect(itPerSecond).toBeLessThanOrEqual(range.maxItPerSecond * 1.005);
  });
});

describe('FLUX.1 against the other public figures (§1c)', () => {
  test('an L20 48GB (Ada, model resident, bf16) renders 28 steps in 26.36 s; the L40S row, whose source cites it, is not slower', () => {
    // The issue found FLUX-dev 1.5-2x too slow: the old rows put the L40S at 43.8 s here.
    expect(predictedSecondsPerImage('flux-dev', 1024, 'L40S', 28)).toBeLessThanOrEqual(26.36);
  });

  test('schnell is the same transformer at 4 steps: a fifth of the steps, the same fixed part, on every GPU', () => {
    for (const gpu of [...FLUX_DEV_1024.map((r) => r.gpu), ...FLUX_UNMEASURED]) {
      const dev = predictedSecondsPerImage('flux-dev', 1024, gpu);
      const schnell = predictedSecondsPerImage('flux-schnell', 1024, gpu, 4);
      expect(schnell).toBeGreaterThan(dev * (4 / 20));
      expect(schnell).toBeLessThan(dev * (5 / 20));
    }
  });

  test('a 12 GB card is VRAM-starved: the RTX 3060 is not predicted faster than the RTX 3080 10GB report (~40 s per 4-step schnell image, low-memory mode) suggests for 20 steps of dev', () => {
    // 40 s per 4-step image → ~8 s per step → ~160 s per 20 steps; the catalog keeps the 3060 near that, not at its compute share.
    expect(predictedSecondsPerImage('flux-dev', 1024, 'RTX 3060')).toBeGreaterThan(120);
  });
});
