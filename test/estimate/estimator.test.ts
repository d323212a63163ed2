import { catalogOffers } from '../../src/catalog/offers';
import type { CalibrationEntry } from '../../src/estimate/calibration';
import { estimate, EstimateRow } from '../../src/estimate/estimator';
import { parsePriceOverride, parseSpeedOverride } from '../../src/estimate/overrides';
import { fixtureCatalog, SDXL_1000 } from './fixture';

const catalog = fixtureCatalog();
const known = Object.keys(catalog.gpus);
const find = (rows: EstimateRow[], provider: string, gpu = 'RTX 4090') => {
  const row = rows.find((r) => r.provider === provider && r.gpu === gpu);
  if (!row) throw new Error(`no row ${provider} ${gpu}`);
  return row;
};

describe('one row, by hand', () => {
  const { rows, skipped } = estimate({ batch: SDXL_1000, catalog });

  test('runpod RTX 4090: every overhead part billed, per-second rounding, storage on the wall time', () => {
    const r = find(rows, 'runpod');
    expect(r.secondsPerImage).toBeCloseTo(4, 10);
    expect(r.perImageOverheadSeconds).toBeCloseTo(0.8, 10); // 20 % of 4 s (sdxl profile)
    expect(r.renderSeconds).toBeCloseTo(4000, 8);
    // boot 60 + pull 120 + 6.5 GB at 25 MB/s (260) + load 20 + teardown 10
    expect(r.overhead).toEqual({ bootSeconds: 60, imagePullSeconds: 120, modelDownloadSeconds: 260, modelLoadSeconds: 20, teardownSeconds: 10 });
    expect(r.overheadSeconds).toBeCloseTo(470, 8);
    expect(r.totalSeconds).toBeCloseTo(4470, 8);
    expect(r.billedSeconds).toBe(4470);
    expect(r.computeCostUsd).toBeCloseTo((4470 * 0.5) / 3600, 10);
    expect(r.storageCostUsd).toBeCloseTo((50 * 0.1 * 4470) / 2592000, 10);
    expect(r.costUsd).toBeCloseTo(r.computeCostUsd + r.storageCostUsd, 12);
    expect(r.usdPerImage).toBeCloseTo(r.costUsd / 1000, 12);
    // local: 16 s x 1000 + 20 s model load
    expect(r.speedupVsLocal).toBeCloseTo(16020 / 4470, 10);
    expect(r.renderSpeedupVsLocal).toBeCloseTo(4, 10);
    expect(r).toMatchObject({ provisionable: true, calibrated: false, overridden: { price: false, speed: false }, live: false });
    expect(r.source).toBe('price: test fixture (2026-11); speed: test fixture [I] (2026-11)');
  });

  test('vast: boot, pull and teardown are not billed (compute), but storage runs for the whole wall time', () => {
    const r = find(rows, 'vast');
    expect(r.overheadSeconds).toBeCloseTo(60 + 100 + 130 + 20 + 5, 8);
    expect(r.billedSeconds).toBe(4000 + 130 + 20);
    expect(r.computeCostUsd).toBeCloseTo((4150 * 0.4) / 3600, 10);
    expect(r.storageCostUsd).toBeCloseTo((50 * 0.1 * 4315) / 2592000, 10);
  });

  test('lambda: the billed part rounds up to the minute', () => {
    const r = find(rows, 'lambda');
    // billed: pull 200 + download 130 + load 20 + render 4000 = 4350 s → 73 minutes
    expect(r.billedSeconds).toBe(4380);
    expect(r.computeCostUsd).toBeCloseTo(4380 / 3600, 10);
    expect(r.storageCostUsd).toBe(0);
  });

  test('colab: the $10/month subscription is not a cost of the batch; marked subscription and estimate only', () => {
    const r = find(rows, 'colab');
    expect(r).toMatchObject({ provisionable: false, reason: 'no API', usdPerMonth: 10, subscription: true });
    expect([r.computeCostUsd, r.costUsd, r.usdPerImage, r.billedSeconds]).toEqual([0, 0, 0, 0]);
    // The time is still estimated: what the batch would take on that GPU.
    expect(r.renderSeconds).toBeCloseTo(4000, 8);
    expect(rows.filter((x) => x.provider !== 'colab').every((x) => !x.subscription)).toBe(true);
  });

  test('local: no cost unless an electricity price is given; speed-up 1', () => {
    const r = find(rows, 'local', 'RTX 3060');
    expect(r.totalSeconds).toBeCloseTo(16020, 8);
    expect(r.costUsd).toBe(0);
    expect(r.speedupVsLocal).toBe(1);
    expect(r.electricityCostUsd).toBeUndefined();
  });

  test('offers without a figure or with too little VRAM are skipped with the reason', () => {
    expect(skipped).toEqual([
      { provider: 'lambda', gpu: 'A10', interruptible: false, reason: 'no throughput figure for A10 with sdxl; give one with --speed' },
      { provider: 'vast', gpu: 'Tiny', interruptible: false, reason: '6 GB VRAM is below the 8 GB sdxl needs' },
    ]);
  });
});

test('electricity: board power over render and model load, at the kWh price; --local-watts replaces the board power', () => {
  const withPower = find(estimate({ batch: SDXL_1000, catalog, kwhPrice: 0.2 }).rows, 'local', 'RTX 3060');
  expect(withPower.electricityCostUsd).toBeCloseTo((16020 / 3600) * 0.17 * 0.2, 10);
  expect(withPower.costUsd).toBeCloseTo(withPower.electricityCostUsd!, 12);
  const wall = find(estimate({ batch: SDXL_1000, catalog, kwhPrice: 0.2, localWatts: 250 }).rows, 'local', 'RTX 3060');
  expect(wall.electricityCostUsd).toBeCloseTo((16020 / 3600) * 0.25 * 0.2, 10);
});

test('includeOverhead false: render time only, still rounded by the provider', () => {
  const { rows } = estimate({ batch: { ...SDXL_1000, images: 10 }, catalog, includeOverhead: false });
  const lambda = find(rows, 'lambda');
  expect(lambda.overheadSeconds).toBe(0);
  expect(lambda.totalSeconds).toBeCloseTo(40, 10);
  expect(lambda.billedSeconds).toBe(60);
});

test('a live offer: its own bandwidth for the download, and two GPUs split the batch', () => {
  const live = { ...catalogOffers(catalog)[1], live: true, downloadMbps: 800, gpuCount: 2, offerId: 'ask-1' };
  const r = estimate({ batch: SDXL_1000, catalog, offers: [live] }).rows[0];
  expect(r.overhead.modelDownloadSeconds).toBeCloseTo(65, 10); // 6.5 GB at 100 MB/s
  expect(r.secondsPerImage).toBeCloseTo(2, 10);
  expect(r).toMatchObject({ live: true, offerId: 'ask-1', gpuCount: 2 });
});

describe('calibration beats the catalog and says so', () => {
  const entry = (over: Partial<CalibrationEntry>): CalibrationEntry => ({
    kind: 'cloud', provider: 'runpod', gpu: 'RTX 4090', model: 'sdxl', secondsPerImage: 3, steps: 20, width: 1024, height: 1024, batchSize: 1, precision: 'fp16',
    images: 50, measuredAt: '2026-11-20T10:00:00Z', source: 'gpuburst run', ...over,
  });

  test('a cloud measurement drives only its own provider and GPU', () => {
    const calibration = [
      entry({ provider: 'runpod', secondsPerImage: 3, measuredAt: '2026-11-01T00:00:00Z' }),
      entry({ provider: 'vast', secondsPerImage: 2.5, measuredAt: '2026-11-20T00:00:00Z' }),
    ];
    const { rows } = estimate({ batch: SDXL_1000, catalog, calibration });
    expect(find(rows, 'runpod')).toMatchObject({ secondsPerImage: 3, calibrated: true, measuredLocally: false });
    expect(find(rows, 'runpod').speedSource).toBe('calibrated: 50 sdxl images on runpod, 2026-11-01');
    expect(find(rows, 'vast')).toMatchObject({ secondsPerImage: 2.5, calibrated: true });
    expect(find(rows, 'lambda')).toMatchObject({ secondsPerImage: 4, calibrated: false }); // nothing measured on lambda
    expect(find(rows, 'local', 'RTX 3060')).toMatchObject({ calibrated: false, measuredLocally: false });
  });

  test('the same settings first, else the newest measurement scaled', () => {
    const calibration = [
      entry({ secondsPerImage: 3, measuredAt: '2026-11-01T00:00:00Z' }),
      entry({ secondsPerImage: 9, steps: 60, measuredAt: '2026-11-20T00:00:00Z' }),
    ];
    expect(find(estimate({ batch: SDXL_1000, catalog, calibration }).rows, 'runpod').secondsPerImage).toBe(3);
    const other = find(estimate({ batch: { ...SDXL_1000, steps: 30 }, catalog, calibration }).rows, 'runpod');
    expect(other.speedSource).toContain('scaled from 60 steps at 1024×1024, batch 1, fp16');
  });

  test('your GPU, measured: drives the local row only, never a cloud row with the same GPU', () => {
    const calibration = [entry({ kind: 'local', provider: 'local', gpu: 'RTX 3060', secondsPerImage: 12 }), entry({ kind: 'local', provider: 'local', gpu: 'RTX 4090', secondsPerImage: 1 })];
    const { rows } = estimate({ batch: SDXL_1000, catalog, calibration });
    expect(find(rows, 'local', 'RTX 3060')).toMatchObject({ secondsPerImage: 12, measuredLocally: true, calibrated: false });
    expect(find(rows, 'local', 'RTX 3060').speedSource).toBe('your GPU, measured: 50 sdxl images, 2026-11-20');
    for (const p of ['runpod', 'vast', 'lambda']) expect(find(rows, p)).toMatchObject({ secondsPerImage: 4, calibrated: false, measuredLocally: false });
  });

  test('a measurement at other settings is scaled to the batch (steps here)', () => {
    const { rows } = estimate({ batch: { ...SDXL_1000, steps: 40 }, catalog, calibration: [entry({ provider: 'runpod' })] });
    // 3 s at 20 steps = 5 + 20 step-equivalents of 0.12 s → 40 steps: 45 x 0.12
    expect(find(rows, 'runpod').secondsPerImage).toBeCloseTo(5.4, 10);
  });

  test('an sdxl measurement serves lcm, whose steps cost half', () => {
    const lcm = { ...SDXL_1000, model: 'lcm', steps: 4 };
    const r = find(estimate({ batch: lcm, catalog, calibration: [entry({ provider: 'runpod' })] }).rows, 'runpod');
    expect(r.secondsPerImage).toBeCloseTo(0.12 * (5 + 4 * 0.5), 10);
    expect(r.speedSource).toContain('scaled from sdxl at step cost 0.5');
  });
});

describe('overrides per row', () => {
  test('price: the selected rows only, and the source says so', () => {
    const { rows } = estimate({ batch: SDXL_1000, catalog, prices: [parsePriceOverride('runpod:4090=0.34', known)] });
    expect(find(rows, 'runpod')).toMatchObject({ usdPerHour: 0.34, overridden: { price: true, speed: false }, priceSource: '--price runpod:4090=0.34' });
    expect(find(rows, 'vast').usdPerHour).toBe(0.4);
  });

  test('speed in seconds per image is final; "x" is relative to the local row, itself overridable', () => {
    const speeds = [parseSpeedOverride('local=10s', known), parseSpeedOverride('4090=2.5x', known), parseSpeedOverride('lambda:4090=1.5s', known)];
    const { rows } = estimate({ batch: SDXL_1000, catalog, speeds });
    expect(find(rows, 'local', 'RTX 3060').secondsPerImage).toBe(10);
    expect(find(rows, 'runpod').secondsPerImage).toBeCloseTo(4, 10);
    expect(find(rows, 'lambda').secondsPerImage).toBe(1.5); // the later, more specific override wins
    expect(find(rows, 'runpod')).toMatchObject({ perImageOverheadSeconds: null, overridden: { speed: true } });
  });

  test('a speed override lets a GPU without a figure be estimated', () => {
    const { rows } = estimate({ batch: SDXL_1000, catalog, speeds: [parseSpeedOverride('lambda:a10=5s', known)] });
    expect(find(rows, 'lambda', 'A10').renderSeconds).toBeCloseTo(5000, 10);
  });
});
