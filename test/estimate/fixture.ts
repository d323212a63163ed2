/** A small catalog with round numbers, so estimator rows can be checked by hand. */
import { parseCatalog } from '../../src/catalog/load';
import type { Catalog } from '../../src/catalog/schema';

const src = { date: '2026-11', source: 'test fixture', tag: 'I' };
const timing = (boot: number, bootBilled: boolean, pull: number, pullBilled: boolean, teardown: number, teardownBilled: boolean) => ({
  bootSeconds: boot, bootBilled, imagePullSeconds: pull, imagePullBilled: pullBilled, teardownSeconds: teardown, teardownBilled, ...src,
});
/** `incrementSeconds` only for providers without an adapter (Colab); the others bill by providers/billing.ts. */
const terms = (incrementSeconds: number | undefined, storageUsd: number, t: ReturnType<typeof timing>, megabytesPerSecond: number, extra = {}) => ({
  provisionable: true,
  ...(incrementSeconds !== undefined ? { billing: { incrementSeconds, minimumSeconds: 0, ...src } } : {}),
  storage: { usdPerGbMonthRunning: storageUsd, usdPerGbMonthStopped: storageUsd, incrementSeconds: 1, ...src },
  timing: t,
  download: { megabytesPerSecond, ...src },
  ...extra,
});
const gpu = (vramGb: number, fp16SpeedupVsFp32: number, boardWatts?: number) => ({
  vramGb,
  precision: { fp16SpeedupVsFp32, ...src },
  ...(boardWatts ? { power: { boardWatts, ...src } } : {}),
});

export function fixtureCatalog(): Catalog {
  return parseCatalog(
    {
      catalogDate: '2026-11-25',
      defaults: { diskGb: 50, ...src },
      providers: {
        runpod: terms(undefined, 0.1, timing(60, true, 120, true, 10, true), 25),
        vast: terms(undefined, 0.1, timing(60, false, 100, false, 5, false), 50),
        lambda: terms(undefined, 0, timing(240, false, 200, true, 30, false), 50),
        local: terms(undefined, 0, timing(0, false, 0, false, 0, false), 50, { modelPreinstalled: true }),
        colab: terms(2592000, 0, timing(60, true, 300, true, 0, false), 50, { provisionable: false, reason: 'no API' }),
      },
      gpus: { 'RTX 3060': gpu(12, 2, 170), 'RTX 4090': gpu(24, 1.5), A10: gpu(24, 2), Tiny: gpu(6, 2) },
      offers: [
        { provider: 'runpod', gpu: 'RTX 4090', usdPerHour: 0.5, ...src },
        { provider: 'vast', gpu: 'RTX 4090', usdPerHour: 0.4, ...src },
        { provider: 'lambda', gpu: 'RTX 4090', usdPerHour: 1.0, ...src },
        { provider: 'lambda', gpu: 'A10', usdPerHour: 0.75, ...src },
        { provider: 'vast', gpu: 'Tiny', usdPerHour: 0.05, ...src },
        { provider: 'local', gpu: 'RTX 3060', usdPerHour: 0, ...src },
        { provider: 'colab', gpu: 'RTX 4090', usdPerMonth: 10, ...src },
      ],
      throughput: [
        // 16 s and 4 s per 20-step SDXL image.
        { gpu: 'RTX 3060', model: 'sdxl', itPerSecond: 1.25, steps: 20, width: 1024, height: 1024, ...src },
        { gpu: 'RTX 4090', model: 'sdxl', itPerSecond: 5, steps: 20, width: 1024, height: 1024, batchGain: 1.2, ...src },
        { gpu: 'Tiny', model: 'sdxl', itPerSecond: 1, steps: 20, width: 1024, height: 1024, ...src },
        { gpu: 'A10', model: 'sd15', itPerSecond: 10, steps: 20, width: 512, height: 512, ...src },
      ],
    },
    'fixture',
  );
}

export const SDXL_1000 = { model: 'sdxl', images: 1000, steps: 20, width: 1024, height: 1024, batchSize: 1, precision: 'fp16' as const };
