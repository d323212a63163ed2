/**
 * Calibration: seconds per image measured on earlier real runs, which the estimator prefers to the catalog's
 * figure. Written only through recordMeasurement (./measurement.ts), which refuses simulated and model-free runs.
 *
 * File: `.gpuburst/calibration.json` under the working directory. Format (version 2):
 *
 *   { "version": 2,
 *     "entries": [
 *       { "kind": "cloud",              cloud: a rented machine (drives that provider's rows);
 *                                       local: your own ComfyUI (drives only the local row, "your GPU, measured")
 *         "provider": "runpod",         where it was measured ("local" for kind local)
 *         "gpu": "RTX 4090",            GPU name as the provider reported it
 *         "model": "sdxl",              profile name (sd15, sdxl, sd-turbo, lcm, flux-dev, flux-schnell)
 *         "steps": 20, "width": 1024, "height": 1024, "batchSize": 1, "precision": "fp16",
 *         "secondsPerImage": 3.4,       median wall seconds per image while rendering (queue to pulled output)
 *         "images": 200,                how many images the figure is taken over
 *         "measuredAt": "2026-11-20T10:00:00Z",
 *         "sessionId": "…",            optional
 *         "source": "gpuburst run" } ] }
 *
 * One entry per provider + GPU + model + settings: a newer measurement replaces an older one with the same key.
 *
 * Version 1 files (gpuburst before 2026-12) also recorded runs against `gpuburst sim`, local servers and prompts
 * that loaded no model, and nothing in an entry tells those apart from a real cloud run. Their entries are
 * therefore never read; a one-line note says so, and the next recorded measurement moves the old file aside
 * (`calibration.v1.json`, kept for the user) and starts a version 2 file. Losing a real v1 entry costs one run's
 * worth of calibration; keeping a poisoned one would mislead every later estimate and `run`'s choice of GPU.
 */
import * as fs from 'fs';
import * as path from 'path';
import { z } from 'zod';
import { BadInputError } from '../../providers/errors';
import { gpuKey } from '../catalog/gpu-names';
import { writeWhole } from '../write-whole';
import type { Precision } from './throughput';

const CALIBRATION_FILE = path.join('.gpuburst', 'calibration.json');
const CALIBRATION_VERSION = 2;

const settingsShape = {
  steps: z.number().int().positive(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  batchSize: z.number().int().positive(),
  precision: z.enum(['fp16', 'fp32']),
};

const entrySchema = z.object({
  kind: z.enum(['cloud', 'local']),
  provider: z.string().min(1),
  gpu: z.string().min(1),
  model: z.string().min(1),
  ...settingsShape,
  secondsPerImage: z.number().positive(),
  images: z.number().int().positive(),
  measuredAt: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'expected an ISO date-time'),
  sessionId: z.string().optional(),
  source: z.string().min(1),
});

const fileSchema = z.object({ version: z.literal(CALIBRATION_VERSION), entries: z.array(entrySchema) });

export type CalibrationEntry = z.output<typeof entrySchema>;
type CalibrationKind = CalibrationEntry['kind'];

export interface CalibrationFile {
  path: string;
  entries: CalibrationEntry[];
  /** One line each, for the user: why some or all of the file is not used. */
  notes: string[];
}

export function calibrationPath(cwd: string): string {
  return path.join(cwd, CALIBRATION_FILE);
}

/** The file's entries; none when it does not exist or is version 1 (see the header). A malformed file is a BadInputError. */
export function readCalibration(cwd: string): CalibrationFile {
  const file = calibrationPath(cwd);
  const raw = readJson(file);
  if (raw === undefined) return { path: file, entries: [], notes: [] };
  const version = (raw as { version?: unknown } | null)?.version;
  if (version === 1) {
    const count = Array.isArray((raw as { entries?: unknown }).entries) ? (raw as { entries: unknown[] }).entries.length : 0;
    return { path: file, entries: [], notes: [oldVersionNote(file, count)] };
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.join('.') || '(top level)';
    const hint = issue.path[0] === 'version' ? ` (this gpuburst reads version ${CALIBRATION_VERSION})` : '';
    throw new BadInputError(`calibration file ${file}: ${where}: ${issue.message}${hint}; fix or delete it`);
  }
  return { path: file, entries: parsed.data.entries, notes: [] };
}

function oldVersionNote(file: string, count: number): string {
  return `calibration file ${file} is version 1 (it could hold simulated and local runs): its ${count} entr${count === 1 ? 'y is' : 'ies are'} ignored; the next real cloud run starts a version ${CALIBRATION_VERSION} file`;
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new BadInputError(`calibration file ${file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new BadInputError(`calibration file ${file} is not valid JSON: ${(err as Error).message}; fix or delete it`);
  }
}

const sameKey = (a: CalibrationEntry, b: CalibrationEntry) =>
  a.kind === b.kind && a.provider === b.provider && gpuKey(a.gpu) === gpuKey(b.gpu) && a.model === b.model && sameSettings(a, b);

/** The settings a measurement was taken at; part of its key. */
export interface MeasuredSettings {
  steps: number;
  width: number;
  height: number;
  batchSize: number;
  precision: Precision;
}

export function sameSettings(a: MeasuredSettings, b: MeasuredSettings): boolean {
  return a.steps === b.steps && a.width === b.width && a.height === b.height && a.batchSize === b.batchSize && a.precision === b.precision;
}

/**
 * Writes one entry, replacing the entry with the same key. Internal to the estimate folder: callers go through
 * recordMeasurement, which decides whether a run is a measurement at all.
 */
export function writeCalibrationEntry(cwd: string, entry: CalibrationEntry): CalibrationEntry {
  const checked = entrySchema.safeParse(entry);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new BadInputError(`calibration entry: ${issue.path.join('.')}: ${issue.message}`);
  }
  const current = readCalibration(cwd);
  const file = current.path;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // A version 1 file is kept for the user under another name, never silently overwritten.
  if (current.notes.length) fs.renameSync(file, file.replace(/\.json$/, '.v1.json'));
  const entries = [...current.entries.filter((e) => !sameKey(e, checked.data)), checked.data];
  writeWhole(file, JSON.stringify({ version: CALIBRATION_VERSION, entries }, null, 2) + '\n'); // whole file or nothing, even if we are killed mid-write
  return checked.data;
}

export interface CalibrationQuery {
  /** cloud rows read cloud entries of their own provider; the local row reads local entries only. */
  kind: CalibrationKind;
  provider: string;
  gpu: string;
  /** The model, then the model whose rows it is scaled from (sdxl for lcm). */
  models: readonly string[];
  settings: MeasuredSettings;
}

/** The entry to use: same kind, provider, GPU and model; the same settings first, else the newest. */
export function findCalibration(entries: readonly CalibrationEntry[], want: CalibrationQuery): CalibrationEntry | undefined {
  const newest = (list: CalibrationEntry[]) => [...list].sort((a, b) => Date.parse(b.measuredAt) - Date.parse(a.measuredAt))[0];
  for (const model of want.models) {
    const matching = entries.filter(
      (e) => e.kind === want.kind && e.provider === want.provider && gpuKey(e.gpu) === gpuKey(want.gpu) && e.model === model,
    );
    const found = newest(matching.filter((e) => sameSettings(e, want.settings))) ?? newest(matching);
    if (found) return found;
  }
  return undefined;
}
