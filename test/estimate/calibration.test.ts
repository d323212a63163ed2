import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BadInputError } from '../../providers/errors';
import { CalibrationEntry, calibrationPath, findCalibration, readCalibration, writeCalibrationEntry } from '../../src/estimate/calibration';

let cwd: string;
beforeEach(() => {
  cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-cal-'));
});
afterEach(() => fs.rmSync(cwd, { recursive: true, force: true }));

const settings = { steps: 20, width: 1024, height: 1024, batchSize: 1, precision: 'fp16' as const };
const measured: CalibrationEntry = {
  kind: 'cloud', provider: 'runpod', gpu: 'RTX 4090', model: 'sdxl', ...settings, secondsPerImage: 3.1, images: 200, measuredAt: '2026-11-20T10:00:00Z', source: 'gpuburst run',
};
const writeRaw = (content: unknown) => {
  fs.mkdirSync(path.join(cwd, '.gpuburst'), { recursive: true });
  fs.writeFileSync(calibrationPath(cwd), typeof content === 'string' ? content : JSON.stringify(content));
};

test('no file: no entries, no notes', () => {
  expect(readCalibration(cwd)).toEqual({ path: path.join(cwd, '.gpuburst', 'calibration.json'), entries: [], notes: [] });
});

test('version 2 on disk; a measurement with the same provider, GPU, model and settings replaces the older one', () => {
  writeCalibrationEntry(cwd, measured);
  writeCalibrationEntry(cwd, { ...measured, secondsPerImage: 2.9, measuredAt: '2026-11-21T10:00:00Z' });
  writeCalibrationEntry(cwd, { ...measured, steps: 30, secondsPerImage: 4.2 });
  writeCalibrationEntry(cwd, { ...measured, provider: 'vast', secondsPerImage: 2.5 });
  const onDisk = JSON.parse(fs.readFileSync(calibrationPath(cwd), 'utf8'));
  expect(onDisk.version).toBe(2);
  expect(onDisk.entries.map((e: CalibrationEntry) => [e.provider, e.steps, e.secondsPerImage])).toEqual([
    ['runpod', 20, 2.9],
    ['runpod', 30, 4.2],
    ['vast', 20, 2.5],
  ]);
});

test('a version 1 file (possibly poisoned) is never read: no entries, one note; the next write keeps it aside', () => {
  const poisoned = { gpu: 'RTX 4090', model: 'sdxl', provider: 'runpod', secondsPerImage: 0.44, steps: 20, width: 1024, height: 1024, images: 12, measuredAt: '2026-11-20T10:00:00Z' };
  writeRaw({ version: 1, entries: [poisoned, { ...poisoned, secondsPerImage: 10 }] });
  const read = readCalibration(cwd);
  expect(read.entries).toEqual([]);
  expect(read.notes).toEqual([`calibration file ${calibrationPath(cwd)} is version 1 (it could hold simulated and local runs): its 2 entries are ignored; the next real cloud run starts a version 2 file`]);

  writeCalibrationEntry(cwd, measured);
  expect(readCalibration(cwd)).toMatchObject({ entries: [measured], notes: [] });
  const kept = JSON.parse(fs.readFileSync(path.join(cwd, '.gpuburst', 'calibration.v1.json'), 'utf8'));
  expect(kept.entries).toHaveLength(2);
});

test('find: same kind, provider and GPU (names compared loosely); same settings first, then the newest; then the base model', () => {
  const entries: CalibrationEntry[] = [
    { ...measured, secondsPerImage: 3.3, measuredAt: '2026-11-01T00:00:00Z' },
    { ...measured, steps: 40, secondsPerImage: 6, measuredAt: '2026-11-10T00:00:00Z' },
    { ...measured, provider: 'vast', secondsPerImage: 2.5, measuredAt: '2026-11-22T00:00:00Z' },
    { ...measured, kind: 'local', provider: 'local', secondsPerImage: 1, measuredAt: '2026-11-23T00:00:00Z' },
  ];
  const cloud = (over: object) => findCalibration(entries, { kind: 'cloud', provider: 'runpod', gpu: 'rtx 4090', models: ['sdxl'], settings, ...over });
  expect(cloud({})?.secondsPerImage).toBe(3.3);
  expect(cloud({ settings: { ...settings, steps: 25 } })?.secondsPerImage).toBe(6); // newest, to be scaled
  expect(cloud({ provider: 'lambda' })).toBeUndefined(); // never another provider's
  expect(cloud({ models: ['lcm', 'sdxl'] })?.model).toBe('sdxl');
  expect(cloud({ gpu: 'A10' })).toBeUndefined();
  expect(findCalibration(entries, { kind: 'local', provider: 'local', gpu: 'RTX 4090', models: ['sdxl'], settings })?.secondsPerImage).toBe(1);
});

test('a malformed file or entry is a BadInputError naming the field', () => {
  writeRaw({ version: 2, entries: [{ ...measured, secondsPerImage: -1 }] });
  expect(() => readCalibration(cwd)).toThrow(BadInputError);
  expect(() => readCalibration(cwd)).toThrow(/calibration\.json: entries\.0\.secondsPerImage: .*fix or delete it/);
  writeRaw({ version: 3, entries: [] });
  expect(() => readCalibration(cwd)).toThrow(/version: .*\(this gpuburst reads version 2\); fix or delete it/);
  writeRaw('{');
  expect(() => readCalibration(cwd)).toThrow(/is not valid JSON/);
  fs.rmSync(calibrationPath(cwd));
  expect(() => writeCalibrationEntry(cwd, { ...measured, measuredAt: 'yesterday' })).toThrow('calibration entry: measuredAt: expected an ISO date-time');
});
