/**
 * Seconds per image on one GPU, scaled from one measured point (an "anchor": a catalog row, a calibration entry).
 *
 * Model [I]: at batch 1 and fp16, one image takes  overhead + steps x stepCost x secondsPerStep,  where the overhead
 * (text encode, VAE decode, save) is a fixed number of step-equivalents per throughput model. Both parts scale with
 * pixel count; batching divides the whole by the GPU's batch gain; fp32 multiplies it by the GPU's fp16 speed-up.
 */
export type Precision = 'fp16' | 'fp32';
export const PRECISIONS: readonly Precision[] = ['fp16', 'fp32'];

export interface Conditions {
  steps: number;
  width: number;
  height: number;
  batchSize: number;
  precision: Precision;
  /** Cost of one step relative to the throughput model's (few-step profiles without CFG: 0.5). */
  stepCostFactor: number;
}

/** A measured point: wall seconds per image under the given conditions. */
export interface Anchor extends Conditions {
  secondsPerImage: number;
}

export interface GpuFactors {
  fp16SpeedupVsFp32: number;
  /** Per-image throughput gain of the best batch (reached at batch 4) over batch 1. */
  batchGain: number;
}

export interface ImageTime {
  secondsPerImage: number;
  /** The part that does not scale with steps. */
  overheadSeconds: number;
  /** Seconds of one step of this image. */
  stepSeconds: number;
}

/** Overhead as step-equivalents, from the share of an end-to-end time at `referenceSteps` that is overhead. */
export function overheadStepEquivalents(overheadShare: number, referenceSteps: number): number {
  return (overheadShare * referenceSteps) / (1 - overheadShare);
}

/** Gain at a batch size: 1 at batch 1, the full gain from batch 4 on, log-linear between [I: best batch is 4 in the benchmark]. */
export function batchGainAt(batchSize: number, bestGain: number): number {
  if (batchSize <= 1) return 1;
  return 1 + (bestGain - 1) * Math.min(1, Math.log2(batchSize) / 2);
}

/** Seconds per image under `target`, from `anchor` on the same GPU and throughput model. */
export function predictImageTime(anchor: Anchor, target: Conditions, gpu: GpuFactors, stepEquivalents: number): ImageTime {
  const precisionFactor = (p: Precision) => (p === 'fp32' ? gpu.fp16SpeedupVsFp32 : 1);
  const anchorBatch1Fp16 = (anchor.secondsPerImage * batchGainAt(anchor.batchSize, gpu.batchGain)) / precisionFactor(anchor.precision);
  const unitStepSeconds = anchorBatch1Fp16 / (stepEquivalents + anchor.steps * anchor.stepCostFactor);
  const pixelRatio = (target.width * target.height) / (anchor.width * anchor.height);
  const scale = (pixelRatio * precisionFactor(target.precision)) / batchGainAt(target.batchSize, gpu.batchGain);
  const overheadSeconds = stepEquivalents * unitStepSeconds * scale;
  const stepSeconds = unitStepSeconds * target.stepCostFactor * scale;
  return { secondsPerImage: overheadSeconds + target.steps * stepSeconds, overheadSeconds, stepSeconds };
}
