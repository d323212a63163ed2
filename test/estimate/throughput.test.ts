import { Anchor, batchGainAt, Conditions, overheadStepEquivalents, predictImageTime } from '../../src/estimate/throughput';

const gpu = { fp16SpeedupVsFp32: 2, batchGain: 1.5 };
// 20 steps at 5 it/s: 4 s per image; 20 % overhead at 20 steps → k = 5 step-equivalents, 0.16 s per step.
const anchor: Anchor = { secondsPerImage: 4, steps: 20, width: 1024, height: 1024, batchSize: 1, precision: 'fp16', stepCostFactor: 1 };
const k = overheadStepEquivalents(0.2, 20);
const base: Conditions = { steps: 20, width: 1024, height: 1024, batchSize: 1, precision: 'fp16', stepCostFactor: 1 };

test('the anchor conditions give the anchor back, split 20 % / 80 %', () => {
  expect(k).toBeCloseTo(5, 12);
  const t = predictImageTime(anchor, base, gpu, k);
  expect(t.secondsPerImage).toBeCloseTo(4, 12);
  expect(t.overheadSeconds).toBeCloseTo(0.8, 12);
  expect(t.stepSeconds).toBeCloseTo(0.16, 12);
});

test('steps: each extra step adds one step time; the overhead stays', () => {
  const t40 = predictImageTime(anchor, { ...base, steps: 40 }, gpu, k);
  expect(t40.secondsPerImage).toBeCloseTo(0.8 + 40 * 0.16, 12);
  expect(t40.overheadSeconds).toBeCloseTo(0.8, 12);
});

test('pixels: half the pixels, half the time (overhead included)', () => {
  const t = predictImageTime(anchor, { ...base, width: 1024, height: 512 }, gpu, k);
  expect(t.secondsPerImage).toBeCloseTo(2, 12);
});

test('batch: gain 1 at batch 1, full gain from 4 on, halfway (log2) at 2', () => {
  expect(batchGainAt(1, 1.5)).toBe(1);
  expect(batchGainAt(2, 1.5)).toBeCloseTo(1.25, 12);
  expect(batchGainAt(4, 1.5)).toBeCloseTo(1.5, 12);
  expect(batchGainAt(16, 1.5)).toBeCloseTo(1.5, 12);
  expect(predictImageTime(anchor, { ...base, batchSize: 4 }, gpu, k).secondsPerImage).toBeCloseTo(4 / 1.5, 12);
});

test('precision: fp32 is the GPU factor slower; an fp32 anchor is converted back', () => {
  expect(predictImageTime(anchor, { ...base, precision: 'fp32' }, gpu, k).secondsPerImage).toBeCloseTo(8, 12);
  const fp32Anchor = { ...anchor, secondsPerImage: 8, precision: 'fp32' as const };
  expect(predictImageTime(fp32Anchor, base, gpu, k).secondsPerImage).toBeCloseTo(4, 12);
});

test('step cost: a no-CFG step costs half; an anchor measured at another step cost is normalised first', () => {
  const lcm = predictImageTime(anchor, { ...base, steps: 4, stepCostFactor: 0.5 }, gpu, k);
  expect(lcm.secondsPerImage).toBeCloseTo(0.8 + 4 * 0.08, 12);
  const lcmAnchor: Anchor = { ...anchor, steps: 4, stepCostFactor: 0.5, secondsPerImage: 1.12 };
  expect(predictImageTime(lcmAnchor, base, gpu, k).secondsPerImage).toBeCloseTo(4, 12);
});

test('a batch-4 anchor is turned back into batch 1 before scaling', () => {
  const b4: Anchor = { ...anchor, batchSize: 4, secondsPerImage: 4 / 1.5 };
  expect(predictImageTime(b4, base, gpu, k).secondsPerImage).toBeCloseTo(4, 12);
});
