/**
 * The canary check itself: the suite's setup (./setup.ts), run by a jest of its own on deliberately leaking test
 * files (./fixtures), must fail every test and file that leaks a simulator key — through the console, stderr, a
 * file removed before the end, a journal left behind, a file written while cleaning up, the recorded Pulumi state —
 * and pass the clean ones. Its reports name the channel but never repeat the key.
 */
import { spawnSync } from 'child_process';
import crypto from 'crypto';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { AuthError, TransientError } from '../../providers/errors';
import { CANARY_MARKER, simKey } from '../../src/sim/common/test-keys';
import { findCanary, serializeError } from './scan';

const ROOT = path.join(__dirname, '..', '..');

interface FileResult {
  name: string;
  message: string;
  assertionResults: { title: string; status: string; failureMessages: string[] }[];
}

let files: FileResult[];
let report: string;

beforeAll(() => {
  // Not made with mkdtemp: this folder holds the nested run's report, full of masked canaries, and is ours to read.
  const dir = path.join(os.tmpdir(), `gpuburst-canary-proof-${crypto.randomBytes(4).toString('hex')}`);
  fs.mkdirSync(dir);
  const config = {
    rootDir: ROOT,
    testEnvironment: 'node',
    transform: (require('../../jest.config.js') as { projects: { transform: unknown }[] }).projects[0].transform,
    moduleFileExtensions: ['ts', 'js', 'json'],
    modulePathIgnorePatterns: ['<rootDir>/dist/'],
    setupFilesAfterEnv: ['<rootDir>/test/canary/setup.ts'],
    testMatch: ['<rootDir>/test/canary/fixtures/*.fixture.ts'],
  };
  const out = path.join(dir, 'report.json');
  const run = spawnSync(process.execPath, [require.resolve('jest/bin/jest'), '--config', JSON.stringify(config), '--runInBand', '--json', '--outputFile', out], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  try {
    report = fs.readFileSync(out, 'utf8');
  } catch {
    throw new Error(`the nested jest wrote no report (exit ${run.status}): ${run.stderr.slice(-500)}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  files = (JSON.parse(report) as { testResults: FileResult[] }).testResults;
}, 150_000);

const file = (name: string) => files.find((f) => f.name.endsWith(name))!;
const status = (f: FileResult, title: string) => f.assertionResults.find((a) => a.title === title);

test('each test that leaks a key fails, naming the channel; the clean one passes', () => {
  const f = file('leaks.fixture.ts');
  expect(status(f, 'control: clean output passes')?.status).toBe('passed');
  expect(status(f, 'leaks through console.log')?.failureMessages.join()).toMatch(/API key canary leaked[\s\S]*console\.log: calling the API with rpa_SIMKEYCANARY…/);
  expect(status(f, 'leaks through process.stderr')?.failureMessages.join()).toMatch(/API key canary leaked[\s\S]*stderr: Authorization: Bearer rpa_SIMKEYCANARY…/);
  expect(status(f, 'leaks into a file that is removed before the end')?.failureMessages.join()).toMatch(/API key canary leaked[\s\S]*agent\.log: terminating with key/);
});

test('a leaking file left behind, or written while cleaning up, fails the test file', () => {
  const f = file('leaks.fixture.ts');
  expect(f.message).toMatch(/\.gpuburst\/sessions\/s\.json: .*"apiKey":"rpa_SIMKEYCANARY…"/);
  expect(f.message).toMatch(/late\.log: late rpa_SIMKEYCANARY…/);
});

test('a key in the recorded Pulumi state fails the file; an encrypted secret does not', () => {
  expect(file('pulumi-leak.fixture.ts').message).toMatch(/API key canary leaked[\s\S]*Pulumi state: .*"apiKey": "vastsim-SIMKEYCANARY…"/);
  const clean = file('pulumi-clean.fixture.ts');
  expect(clean.message).not.toMatch(/canary leaked/);
  expect(clean.assertionResults.map((a) => a.status)).toEqual(['passed']);
});

test('the reports name the marker but never repeat the key', () => {
  const failures = files.flatMap((f) => [f.message, ...f.assertionResults.flatMap((a) => a.failureMessages)]).join('\n');
  expect(failures).toContain(CANARY_MARKER);
  expect(failures).not.toMatch(new RegExp(`${CANARY_MARKER}[0-9a-fA-F]{6}`));
});

test('error objects: a key in a cause, a hidden property or an attached report is found', () => {
  const key = simKey('ps-sim-', 12);
  const raw = Object.assign(new Error('socket hang up'), { config: { headers: { Authorization: `Bearer ${key}` } } });
  expect(findCanary(serializeError(new TransientError('paperspace: connection reset', { cause: raw })))).toBeUndefined(); // the cause is scrubbed
  const hidden = new AuthError('paperspace: rejected');
  Object.defineProperty(hidden, 'request', { value: { key }, enumerable: false });
  expect(findCanary(serializeError(hidden))).toContain(CANARY_MARKER);
  const withReport = Object.assign(new TransientError('session failed'), { report: { message: `machine env ${key}` } });
  expect(findCanary(serializeError(withReport))).toContain(CANARY_MARKER);
  const chained = new Error('outer', { cause: new Error('inner', { cause: { note: key } }) });
  expect(findCanary(serializeError(chained))).toContain(CANARY_MARKER);
});
