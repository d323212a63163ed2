/**
 * Where a row's seconds per image come from, in order: a --speed override, a measurement from an earlier real run
 * (a cloud row reads its own provider's; the local row reads only your GPU's), the catalog's throughput row. Each
 * answer says which one it used.
 */
import type { Catalog, ThroughputRow } from '../catalog/schema';
import type { CalibrationEntry } from './calibration';
import { findCalibration, sameSettings } from './calibration';
import type { SpeedOverride } from './overrides';
import { lastMatching } from './overrides';
import { getProfile, ModelProfile, throughputProfile } from './profiles';
import { Anchor, Conditions, GpuFactors, overheadStepEquivalents, predictImageTime } from './throughput';

export interface SpeedAnswer {
  secondsPerImage: number;
  /** Fixed part per image; null when an override gave the total. */
  perImageOverheadSeconds: number | null;
  /** A real cloud run on this provider and GPU measured it. */
  calibrated: boolean;
  /** Your own GPU measured it (local row only). */
  measuredLocally: boolean;
  overridden: boolean;
  source: string;
  date?: string;
}

export interface SpeedQuery {
  provider: string;
  gpu: string;
  gpuCount: number;
  profile: ModelProfile;
  target: Omit<Conditions, 'stepCostFactor'>;
  catalog: Catalog;
  speeds: readonly SpeedOverride[];
  calibration: readonly CalibrationEntry[];
  /** Seconds per image of the local row, for "2.5x" overrides. */
  localSecondsPerImage?: number;
}

/** Undefined when nothing gives a figure for this GPU and model. */
export function resolveSpeed(q: SpeedQuery): SpeedAnswer | undefined {
  const override = lastMatching(q.speeds, q);
  if (override?.secondsPerImage !== undefined) {
    return { secondsPerImage: override.secondsPerImage, perImageOverheadSeconds: null, calibrated: false, measuredLocally: false, overridden: true, source: `--speed ${override.spec}` };
  }
  if (override?.timesFasterThanLocal !== undefined && q.localSecondsPerImage !== undefined) {
    const secondsPerImage = q.localSecondsPerImage / override.timesFasterThanLocal;
    return { secondsPerImage, perImageOverheadSeconds: null, calibrated: false, measuredLocally: false, overridden: true, source: `--speed ${override.spec} (local ${q.localSecondsPerImage.toFixed(2)} s/image)` };
  }
  if (q.profile.fixedSecondsPerImage !== undefined) {
    // Never calibrated: nothing about a GPU is measured by prompts that load no model.
    return { secondsPerImage: q.profile.fixedSecondsPerImage, perImageOverheadSeconds: null, calibrated: false, measuredLocally: false, overridden: false, source: `${q.profile.title}: ${q.profile.basis}` };
  }
  const base = throughputProfile(q.profile);
  const row: ThroughputRow | undefined = q.catalog.throughput.find((t) => t.gpu === q.gpu && t.model === base.name);
  const gpu: GpuFactors = {
    fp16SpeedupVsFp32: q.catalog.gpus[q.gpu]?.precision.fp16SpeedupVsFp32 ?? 2, // the seed's "FP16 about 2x" [I]
    batchGain: row?.batchGain ?? 1,
  };
  const k = overheadStepEquivalents(base.overheadShare, base.referenceSteps);
  const target: Conditions = { ...q.target, stepCostFactor: q.profile.stepCostFactor };
  const perGpu = (anchor: Anchor) => predictImageTime(anchor, target, gpu, k);
  const scaled = q.profile.name === base.name ? '' : `, scaled from ${base.name} at step cost ${q.profile.stepCostFactor}`;
  const multi = q.gpuCount > 1 ? `, split over ${q.gpuCount} GPUs` : '';

  const kind = q.provider === 'local' ? 'local' : 'cloud';
  const entry = findCalibration(q.calibration, { kind, provider: q.provider, gpu: q.gpu, models: [q.profile.name, base.name], settings: q.target });
  if (entry) {
    const anchor: Anchor = { ...entry, stepCostFactor: getProfile(entry.model).stepCostFactor };
    const t = perGpu(anchor);
    const day = entry.measuredAt.slice(0, 10);
    const fromModel = entry.model === q.profile.name ? '' : `, scaled from ${entry.model} at step cost ${q.profile.stepCostFactor}`;
    const fromSettings = sameSettings(entry, q.target) ? '' : `, scaled from ${entry.steps} steps at ${entry.width}×${entry.height}, batch ${entry.batchSize}, ${entry.precision}`;
    const source = kind === 'local' ? `your GPU, measured: ${entry.images} ${entry.model} images, ${day}` : `calibrated: ${entry.images} ${entry.model} images on ${entry.provider}, ${day}`;
    return answer(t, q.gpuCount, kind, `${source}${fromModel}${fromSettings}${multi}`, day);
  }
  if (!row) return undefined;
  const anchor: Anchor = {
    secondsPerImage: row.secondsPerImage ?? row.steps / (row.itPerSecond as number),
    steps: row.steps,
    width: row.width,
    height: row.height,
    batchSize: row.batchSize,
    precision: row.precision,
    stepCostFactor: 1,
  };
  return answer(perGpu(anchor), q.gpuCount, undefined, `${row.source} [${row.tag}]${scaled}${multi}`, row.date);
}

function answer(t: { secondsPerImage: number; overheadSeconds: number }, gpuCount: number, measured: 'cloud' | 'local' | undefined, source: string, date: string): SpeedAnswer {
  // One ComfyUI per GPU, the batch split between them [I, the seed's two-instance recipe].
  return {
    secondsPerImage: t.secondsPerImage / gpuCount,
    perImageOverheadSeconds: t.overheadSeconds,
    calibrated: measured === 'cloud',
    measuredLocally: measured === 'local',
    overridden: false,
    source,
    date,
  };
}
