/**
 * Bad input where a real process matters: the CLI runs as its own node process (the built dist/, rebuilt first when
 * a source is newer, as npm test does; transpiling the sources in every child cost ~5 s per run), with a pipe for
 * stdin (not a terminal), against the simulated world in this process. The process exit status, stdout and stderr are what a shell script would see.
 */
import { spawn } from 'child_process';
import fs from 'fs';
import path from 'path';
import { PROVIDER_ENV } from '../../providers/index';
import { EXIT } from '../../src/cli/exit-codes';
import { simKey } from '../../src/sim/common/test-keys';
import { startWorld, World } from '../../src/sim/world';
import { findCanary } from '../canary/scan';
import { ensureBuilt } from '../stacks/support/build';
import { batch, workspace } from './support/cli';

const ROOT = path.join(__dirname, '..', '..');
let world: World;
beforeAll(async () => {
  await ensureBuilt();
  world = await startWorld({ providers: ['runpod', 'lambda'], timings: { provisionMs: 50, bootMs: 100, comfyStartMs: 50, stopMs: 50 } });
}, 180_000); // a rebuild (a source newer than dist/) takes a while on 2 cores
afterAll(async () => {
  await world.close();
});

const machines = () => world.sims.reduce((n, s) => n + s.state().machines.length, 0);

function gpuburst(args: string[], cwd: string, env: Record<string, string>): Promise<{ status: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'src', 'cli', 'index.js'), ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, out, err }));
    child.stdin.end();
  });
}

/** One line on stderr, nothing on stdout (or only the plan the user must read), no stack, no key. */
function expectOneLine(r: { status: number | null; out: string; err: string }, status: number, says: RegExp): void {
  expect(r.status).toBe(status);
  const last = r.err.trimEnd().split('\n').pop() ?? '';
  expect(last).toMatch(says);
  expect(`${r.out}${r.err}`).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  expect(findCanary(`${r.out}${r.err}`)).toBeUndefined();
}

test('a missing batch file: exit status 2, one line on stderr, nothing on stdout', async () => {
  const cwd = workspace();
  const r = await gpuburst(['run', 'missing.yaml', '--provider', 'runpod', '--yes'], cwd, world.env);
  expectOneLine(r, EXIT.badInput, /^gpuburst: .*missing\.yaml: cannot read it \(ENOENT\)$/);
  expect(r.err.trim().split('\n')).toHaveLength(1);
  expect(r.out).toBe('');
  fs.rmSync(cwd, { recursive: true, force: true });
}, 30_000);

test('an unknown command: exit status 2, the commands listed', async () => {
  const cwd = workspace();
  const r = await gpuburst(['rnu', 'b.yaml'], cwd, {});
  expect(r.status).toBe(EXIT.badInput);
  expect(r.err).toMatch(/unknown command 'rnu'/);
  expect(r.err).toMatch(/\(Did you mean run\?\)/);
  expect(r.err).toMatch(/commands: estimate, offers, run/);
  fs.rmSync(cwd, { recursive: true, force: true });
}, 30_000);

test('stdin is not a terminal and --yes is missing: the plan is shown, nothing is rented, exit status 2', async () => {
  const cwd = workspace({ 'b.yaml': batch() });
  const before = machines();
  const r = await gpuburst(['run', 'b.yaml', '--provider', 'runpod'], cwd, world.env);
  expectOneLine(r, EXIT.badInput, /^gpuburst: refusing to rent without confirmation: pass --yes \(nothing was rented\)$/);
  expect(r.err).toMatch(/cheapest offers for this batch/);
  expect(machines()).toBe(before);
  fs.rmSync(cwd, { recursive: true, force: true });
}, 30_000);

test('an invalid key: exit status 3, the variable named, the key never printed', async () => {
  const cwd = workspace({ 'b.yaml': batch() });
  const before = machines();
  const r = await gpuburst(['run', 'b.yaml', '--provider', 'lambda', '--yes'], cwd, { ...world.env, [PROVIDER_ENV.lambda.keyVar]: simKey('sim-lambda-', 12) });
  expectOneLine(r, EXIT.auth, /^gpuburst: lambda: .*LAMBDA_API_KEY/);
  expect(machines()).toBe(before);
  fs.rmSync(cwd, { recursive: true, force: true });
}, 30_000);
