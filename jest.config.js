// Two projects: the default suite (npm test) and the full fault matrix (npm run test:faults).
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

// Python first on PATH for every worker, and every CLI process the tests spawn (they pass PATH on): each simulated
// session looks python3 up once for its machines' agents, and through a version manager's shim (pyenv's, on the test
// VMs) that look-up cost ~0.3 s of CPU, against 0.02 s for the interpreter itself; about 90 CLI processes per run.
// The look-up itself (findPython, PATH order included) is unchanged and tested on its own.
(() => {
  const run = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8', timeout: 10_000 });
  const dir = run.status === 0 && path.isAbsolute(run.stdout.trim()) ? path.dirname(run.stdout.trim()) : undefined;
  const entries = (process.env.PATH ?? '').split(path.delimiter);
  if (dir && entries[0] !== dir && fs.existsSync(path.join(dir, 'python3'))) process.env.PATH = [dir, ...entries].join(path.delimiter);
})();

const base = {
  testEnvironment: 'node',
  // Jest 30 warns about globals touched after a test file ends (timers of servers closing); nothing leaks from it.
  testEnvironmentOptions: { globalsCleanup: 'off' },
  // swc only strips the types (npm test's typecheck step checks them, with tsconfig.json): the same ES2022 classes
  // and CommonJS as tsc. A cold jest cache, 4 workers, 2 cores: 177 s with ts-jest, 153 s with swc (2026-12-04). Its
  // exports are read-only getters, as in real ES modules: spy on what a module calls, never on its exports.
  transform: { '^.+\\.ts$': ['@swc/jest', { swcrc: false, sourceMaps: 'inline', jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  // The build output mirrors the sources; jest must never pick modules (or a second package.json) from it.
  modulePathIgnorePatterns: ['<rootDir>/dist/'],
  // Sessions register in a state dir of each test file, not the developer's (test/isolate-state.ts). Key canaries:
  // fails a test whose output, temporary files or Pulumi state show a simulator key.
  setupFilesAfterEnv: ['<rootDir>/test/isolate-state.ts', '<rootDir>/test/canary/setup.ts'],
};

module.exports = {
  // jest's 5 s default fails heavy tests (a Pulumi preview, a simulated session) on a loaded 2-core machine; the
  // checks themselves carry their own deadlines where time matters. A global option: jest ignores it inside a project.
  testTimeout: 30_000,
  // Slowest files first (test/durations.json), so the workers end together on a fresh clone too.
  testSequencer: '<rootDir>/test/sequencer.js',
  // One temporary folder per run for everything it makes, removed at its end (test/run-tmp.js).
  globalSetup: '<rootDir>/test/run-tmp.js',
  globalTeardown: '<rootDir>/test/run-tmp-teardown.js',
  // A worker keeps every test file's module registry until it ends (~0.6 GB after half the suite); recycling a worker
  // past this heap keeps them small.
  workerIdleMemoryLimit: '700MB',
  // jest gives a worker 500 ms to exit after the last file, then kills it and warns "A worker process has failed to
  // exit gracefully". Traced on 2026-12-04 (4 workers, 2 cores; warned in 7 of 7 runs): each worker ran its exit
  // handlers within 5 ms of being told to end, and jest saw the processes gone 619–801 ms later (heaps of 350–580 MB
  // at the end; a lone node process with a ~500 MB heap takes 100–150 ms to end). Beside two CPU hogs 3 s was not
  // enough either. A leaked handle still shows: such a worker never exits.
  workerGracefulExitTimeout: 10_000,
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/test/**/*.test.ts'], testPathIgnorePatterns: ['/test/faults/'] },
    { ...base, displayName: 'faults', testMatch: ['<rootDir>/test/faults/**/*.test.ts'] },
  ],
};
