/**
 * Key canaries for the whole suite (jest `setupFilesAfterEnv`). Every simulator key carries CANARY_MARKER; a test
 * fails when a key shows up
 * - in anything written to stdout, stderr or the console (checked after each test);
 * - in a file under a temporary folder the test file created (journals, agent logs, outputs, stack folders):
 *   read before such a folder is removed, after each of the file's own `afterAll` hooks, and at the end;
 * - in the recorded Pulumi state (and diagnostics) of every TestEngine the file ran.
 * The patches on process streams and `fs` are installed once per worker process and report to the recorder of
 * the test file running now.
 */
import fs from 'fs';
import path from 'path';
import util from 'util';
import { findCanary, scanTree, Seen } from './scan';

interface Recorder {
  leaks: string[];
  dirs: Set<string>;
  seen: Seen;
}

const SLOT = Symbol.for('gpuburst.canary.recorder');
const PATCHED = Symbol.for('gpuburst.canary.patched');
const holder = fs as unknown as Record<symbol, Recorder | undefined>;
const recorder: Recorder = { leaks: [], dirs: new Set(), seen: new Map() };
holder[SLOT] = recorder;
const current = () => holder[SLOT];

function record(where: string, text: string | Buffer | Uint8Array): void {
  const hit = typeof text === 'string' || Buffer.isBuffer(text) || text instanceof Uint8Array ? findCanary(text) : undefined;
  if (hit) current()?.leaks.push(`${where}: ${hit}`);
}

/** Replaces `target[name]` once per process; the wrapper finds the current recorder at call time. */
function patchOnce(target: object, name: string, wrap: (original: (...a: unknown[]) => unknown) => (...a: unknown[]) => unknown): void {
  const t = target as Record<string, ((...a: unknown[]) => unknown) & { [PATCHED]?: boolean }>;
  if (t[name]?.[PATCHED]) return;
  const patched = wrap(t[name]) as ((...a: unknown[]) => unknown) & { [PATCHED]?: boolean };
  patched[PATCHED] = true;
  t[name] = patched;
}

for (const [stream, label] of [[process.stdout, 'stdout'], [process.stderr, 'stderr']] as const) {
  patchOnce(stream, 'write', (original) =>
    function (this: unknown, chunk: unknown, ...rest: unknown[]) {
      record(label, chunk as string);
      return original.call(this, chunk, ...rest);
    },
  );
}

// The console of this test file (jest's own object, one per file).
for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
  const original = console[method].bind(console) as (...a: unknown[]) => void;
  console[method] = (...args: unknown[]) => {
    record(`console.${method}`, util.format(...args));
    original(...args);
  };
}

// Temporary folders: remember each one made while this file runs, read what is inside before it is removed.
const remember = (dir: unknown) => typeof dir === 'string' && current()?.dirs.add(path.resolve(dir));
patchOnce(fs, 'mkdtempSync', (original) => (...a) => {
  const dir = original(...a);
  remember(dir);
  return dir;
});
patchOnce(fs.promises, 'mkdtemp', (original) => async (...a) => {
  const dir = await (original(...a) as Promise<string>);
  remember(dir);
  return dir;
});
patchOnce(fs, 'mkdtemp', (original) => (...a) => {
  const cb = a.pop() as (err: unknown, dir?: string) => void;
  return original(...a, (err: unknown, dir?: string) => {
    if (!err) remember(dir);
    cb(err, dir);
  });
});
const beforeRemove = (target: unknown) => {
  const rec = current();
  if (!rec || typeof target !== 'string') return;
  const p = path.resolve(target);
  if ([...rec.dirs].some((d) => p === d || p.startsWith(d + path.sep))) rec.leaks.push(...scanTree(p, rec.seen));
};
for (const name of ['rmSync', 'rmdirSync']) {
  patchOnce(fs, name, (original) => (...a) => {
    beforeRemove(a[0]);
    return original(...a);
  });
}
patchOnce(fs.promises, 'rm', (original) => async (...a) => {
  beforeRemove(a[0]);
  return original(...a);
});
patchOnce(fs, 'rm', (original) => (...a) => {
  beforeRemove(a[0]);
  return original(...a);
});

function scanFolders(): void {
  for (const dir of recorder.dirs) recorder.leaks.push(...scanTree(dir, recorder.seen));
}

/** Pulumi TestEngines used by this file: their state and diagnostics are checked at the end. */
const engines = new Set<{ dumpState(): string; diagnostics: unknown[] }>();
const testPath = expect.getState().testPath ?? '';
if (testPath && /TestEngine/.test(fs.readFileSync(testPath, 'utf8'))) {
  // The same module (jest's registry) the test file imports; only loaded for files that use the engine.
  const { TestEngine } = require('../stacks/engine/engine') as { TestEngine: { prototype: Record<string, unknown> } };
  for (const op of ['up', 'destroy', 'refresh', 'preview']) {
    const original = TestEngine.prototype[op] as ((...a: unknown[]) => Promise<unknown>) | undefined;
    if (typeof original !== 'function') continue;
    TestEngine.prototype[op] = function (this: { dumpState(): string; diagnostics: unknown[] }, ...a: unknown[]) {
      engines.add(this);
      return original.apply(this, a);
    };
  }
}

function checkEngines(): void {
  for (const e of engines) {
    const state = findCanary(e.dumpState());
    if (state) recorder.leaks.push(`Pulumi state: ${state}`);
    const diag = findCanary(JSON.stringify(e.diagnostics));
    if (diag) recorder.leaks.push(`Pulumi diagnostics: ${diag}`);
  }
}

function failOnLeaks(): void {
  if (recorder.leaks.length === 0) return;
  const lines = recorder.leaks.splice(0);
  throw new Error(`API key canary leaked (${lines.length}):\n  ${lines.join('\n  ')}`);
}

afterEach(() => failOnLeaks());

afterAll(() => {
  scanFolders();
  checkEngines();
  coverage();
  failOnLeaks();
});

/** With GPUBURST_CANARY_REPORT=<file>: one line per test file — folders, files read, engines checked. */
function coverage(): void {
  const out = process.env.GPUBURST_CANARY_REPORT;
  if (out) fs.appendFileSync(out, `${path.relative(process.cwd(), testPath)}\t${recorder.dirs.size} folders\t${recorder.seen.size} files\t${engines.size} engines\n`);
}

// The file's own afterAll hooks run after the one above (they are declared later): read again after each of them,
// so what they write while cleaning up (a journal, an agent's last log line) is seen too.
const declaredAfterAll = globalThis.afterAll;
globalThis.afterAll = ((fn: jest.ProvidesHookCallback, timeout?: number) =>
  declaredAfterAll(async () => {
    await (fn.length > 0 ? new Promise<void>((resolve, reject) => (fn as (done: (err?: unknown) => void) => void)((err?: unknown) => (err ? reject(err) : resolve()))) : (fn as () => unknown)());
    scanFolders();
    checkEngines();
    failOnLeaks();
  }, timeout)) as typeof afterAll;
