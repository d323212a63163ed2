import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BadInputError } from '../../providers/errors';
import { calibrationPath, findCalibration, readCalibration, recordCalibration } from '../../src/estimate/calibration';

let cwd: string;
beforeEach(() => {
  cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-cal-'));
});
afterEach(() => fs.rmSync(cwd, { recursive: true, force: true }));

const measured = { gpu: 'RTX 4090', model: 'sdxl', provider: 'runpod', secondsPerImage: 3.1, steps: 20, width: 1024, height: 1024, images: 200, measuredAt: '2026-11-20T10:00:00Z' };

test('no file: no entries', () => {
  expect(readCalibration(cwd)).toEqual({ path: path.join(cwd, '.gpuburst', 'calibration.json'), entries: [] });
});

test('record creates the file, appends, and fills defaults (batch 1, fp16)', () => {
  recordCalibration(cwd, measured);
  recordCalibration(cwd, { ...measured, secondsPerImage: 2.9, measuredAt: '2026-11-21T10:00:00Z' });
  const onDisk = JSON.parse(fs.readFileSync(calibrationPath(cwd), 'utf8'));
  expect(onDisk.version).toBe(1);
  expect(onDisk.entries).toHaveLength(2);
  expect(readCalibration(cwd).entries[0]).toEqual({ ...measured, batchSize: 1, precision: 'fp16' });
});

test('find: same provider first, newest first, then the base model; GPU names compared loosely', () => {
  recordCalibration(cwd, { ...measured, provider: 'vast', secondsPerImage: 2.5, measuredAt: '2026-11-22T00:00:00Z' });
  recordCalibration(cwd, { ...measured, secondsPerImage: 3.3, measuredAt: '2026-11-01T00:00:00Z' });
  recordCalibration(cwd, { ...measured, secondsPerImage: 3.1, measuredAt: '2026-11-10T00:00:00Z' });
  const { entries } = readCalibration(cwd);
  expect(findCalibration(entries, { gpu: 'rtx 4090', models: ['sdxl'], provider: 'runpod' })?.secondsPerImage).toBe(3.1);
  expect(findCalibration(entries, { gpu: 'RTX 4090', models: ['sdxl'], provider: 'lambda' })?.secondsPerImage).toBe(2.5);
  expect(findCalibration(entries, { gpu: 'RTX 4090', models: ['lcm', 'sdxl'], provider: 'runpod' })?.model).toBe('sdxl');
  expect(findCalibration(entries, { gpu: 'A10', models: ['sdxl'], provider: 'runpod' })).toBeUndefined();
});

test('a malformed file or entry is a BadInputError naming the field', () => {
  fs.mkdirSync(path.join(cwd, '.gpuburst'));
  fs.writeFileSync(calibrationPath(cwd), JSON.stringify({ version: 1, entries: [{ ...measured, secondsPerImage: -1 }] }));
  expect(() => readCalibration(cwd)).toThrow(BadInputError);
  expect(() => readCalibration(cwd)).toThrow(/calibration\.json: entries\.0\.secondsPerImage: .*fix or delete it/);
  fs.writeFileSync(calibrationPath(cwd), '{');
  expect(() => readCalibration(cwd)).toThrow(/is not valid JSON/);
  fs.rmSync(calibrationPath(cwd));
  expect(() => recordCalibration(cwd, { ...measured, measuredAt: 'yesterday' })).toThrow('calibration entry: measuredAt: expected an ISO date-time');
});
