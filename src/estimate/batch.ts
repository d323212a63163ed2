/** A batch from command-line strings: each value checked, named in the error with what is accepted. */
import { BadInputError } from '../../providers/errors';
import type { Batch } from './estimator';
import { getProfile } from './profiles';
import { PRECISIONS, Precision } from './throughput';

export interface BatchFlags {
  model?: unknown;
  images?: unknown;
  steps?: unknown;
  width?: unknown;
  height?: unknown;
  batchSize?: unknown;
  precision?: unknown;
}

export const DEFAULT_MODEL = 'sdxl';
export const DEFAULT_IMAGES = 1000;

/** A whole number within [min, max]; "abc", "1.5", "0", "-3" are rejected with the flag's name. */
export function wholeNumber(flag: string, value: unknown, min: number, max: number): number {
  const text = String(value).trim();
  const n = /^[+]?\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new BadInputError(`${flag}: "${text}" is not accepted; accepted: a whole number from ${min} to ${max}`);
  }
  return n;
}

/** A number > 0 (or ≥ 0 with allowZero), optionally prefixed with $. */
export function positiveNumber(flag: string, value: unknown, allowZero = false): number {
  const text = String(value).trim();
  const n = /^\$?\d+(\.\d+)?$|^\$?\.\d+$/.test(text) ? Number(text.replace(/^\$/, '')) : NaN;
  if (!Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) {
    throw new BadInputError(`${flag}: "${text}" is not accepted; accepted: a number ${allowZero ? '≥ 0' : '> 0'}, e.g. 2.5`);
  }
  return n;
}

function side(flag: string, value: unknown): number {
  const n = wholeNumber(flag, value, 64, 8192);
  if (n % 8) throw new BadInputError(`${flag}: ${n} is not a multiple of 8; accepted: 64 to 8192 in steps of 8 (latents are 1/8 of the image)`);
  return n;
}

/** --precision: fp16 (default) or fp32. */
export function parsePrecision(value: unknown): Precision {
  const precision = String(value ?? 'fp16').toLowerCase();
  if (!(PRECISIONS as readonly string[]).includes(precision)) {
    throw new BadInputError(`--precision: "${value}" is not accepted; accepted: ${PRECISIONS.join(', ')}`);
  }
  return precision as Precision;
}

export function resolveBatch(flags: BatchFlags): Batch {
  const profile = getProfile(String(flags.model ?? DEFAULT_MODEL));
  const precision = parsePrecision(flags.precision);
  return {
    model: profile.name,
    images: wholeNumber('--images', flags.images ?? DEFAULT_IMAGES, 1, 10_000_000),
    steps: flags.steps === undefined ? profile.defaultSteps : wholeNumber('--steps', flags.steps, 1, 1000),
    width: flags.width === undefined ? profile.width : side('--width', flags.width),
    height: flags.height === undefined ? profile.height : side('--height', flags.height),
    batchSize: flags.batchSize === undefined ? 1 : wholeNumber('--batch-size', flags.batchSize, 1, 64),
    precision,
  };
}
