/**
 * Calibration: seconds per image measured on earlier runs, which the estimator prefers to the catalog's figure.
 *
 * File: `.gpuburst/calibration.json` under the working directory. Format (version 1):
 *
 *   { "version": 1,
 *     "entries": [
 *       { "gpu": "RTX 4090",            normalized GPU name, as in the catalog
 *         "model": "sdxl",              profile name (sd15, sdxl, sd-turbo, lcm, flux-dev, flux-schnell)
 *         "provider": "runpod",         optional: where it was measured (local for your own GPU)
 *         "secondsPerImage": 3.4,       wall seconds per image while rendering: queue to saved output, averaged over
 *                                       `images`; excludes boot, downloads and the first model load
 *         "steps": 20, "width": 1024, "height": 1024, "batchSize": 1, "precision": "fp16",
 *         "images": 200,                how many images the figure averages
 *         "measuredAt": "2026-11-20T10:00:00Z",
 *         "sessionId": "…" } ] }      optional
 *
 * The estimator takes, for a GPU and model, the newest entry measured on the same provider, else the newest on any
 * provider; an entry for the model's base (sdxl for lcm) is used when the model itself has none.
 */
import * as fs from 'fs';
import * as path from 'path';
import { z } from 'zod';
import { BadInputError } from '../../providers/errors';
import { gpuKey } from '../catalog/gpu-names';

export const CALIBRATION_FILE = path.join('.gpuburst', 'calibration.json');

const entrySchema = z.object({
  gpu: z.string().min(1),
  model: z.string().min(1),
  provider: z.string().optional(),
  secondsPerImage: z.number().positive(),
  steps: z.number().int().positive(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  batchSize: z.number().int().positive().default(1),
  precision: z.enum(['fp16', 'fp32']).default('fp16'),
  images: z.number().int().positive(),
  measuredAt: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'expected an ISO date-time'),
  sessionId: z.string().optional(),
});

const fileSchema = z.object({ version: z.literal(1), entries: z.array(entrySchema) });

export type CalibrationEntry = z.output<typeof entrySchema>;
export type CalibrationInput = z.input<typeof entrySchema>;

export function calibrationPath(cwd: string): string {
  return path.join(cwd, CALIBRATION_FILE);
}

/** Entries of the calibration file; none when the file does not exist. A malformed file is a BadInputError. */
export function readCalibration(cwd: string): { path: string; entries: CalibrationEntry[] } {
  const file = calibrationPath(cwd);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { path: file, entries: [] };
    throw new BadInputError(`calibration file ${file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new BadInputError(`calibration file ${file} is not valid JSON: ${(err as Error).message}; fix or delete it`);
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BadInputError(`calibration file ${file}: ${issue.path.join('.') || '(top level)'}: ${issue.message}; fix or delete it`);
  }
  return { path: file, entries: parsed.data.entries };
}

/** Adds one measurement (validated) to the calibration file, creating it if needed. */
export function recordCalibration(cwd: string, entry: CalibrationInput): CalibrationEntry {
  const checked = entrySchema.safeParse(entry);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new BadInputError(`calibration entry: ${issue.path.join('.')}: ${issue.message}`);
  }
  const { path: file, entries } = readCalibration(cwd);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify({ version: 1, entries: [...entries, checked.data] }, null, 2) + '\n');
  fs.renameSync(tmp, file); // whole file or nothing, even if we are killed mid-write
  return checked.data;
}

/** The entry to use for a GPU and model (or, failing that, the next model in `models`), best first. */
export function findCalibration(
  entries: readonly CalibrationEntry[],
  want: { gpu: string; models: readonly string[]; provider: string },
): CalibrationEntry | undefined {
  for (const model of want.models) {
    const matching = entries.filter((e) => gpuKey(e.gpu) === gpuKey(want.gpu) && e.model === model);
    const newest = (list: CalibrationEntry[]) => [...list].sort((a, b) => Date.parse(b.measuredAt) - Date.parse(a.measuredAt))[0];
    const found = newest(matching.filter((e) => e.provider === want.provider)) ?? newest(matching);
    if (found) return found;
  }
  return undefined;
}
