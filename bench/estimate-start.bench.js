// Wall time of `gpuburst estimate --model sdxl --images 1000` (built CLI) next to a bare `node -e 0`, median of N
// runs each, against the issue's target (< 300 ms). Also counts heavy modules on estimate's import path (target 0).
// Run `npm run build` first.
const { spawnSync } = require('child_process');
const path = require('path');

const RUNS = Number(process.env.BENCH_RUNS ?? 11);
const TARGET_MS = 300;
const root = path.join(__dirname, '..');
const cli = path.join(root, 'dist', 'src', 'cli', 'index.js');

function wallMs(args) {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${(r.stderr || '').split('\n')[0]}`);
  return ms;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function measure(args) {
  wallMs(args); // warm the file cache
  return median(Array.from({ length: RUNS }, () => wallMs(args)));
}

const bare = measure(['-e', '0']);
const estimate = measure([cli, 'estimate', '--model', 'sdxl', '--images', '1000']);
const estimateJson = measure([cli, 'estimate', '--model', 'sdxl', '--images', '1000', '--json']);
const heavy = spawnSync(
  process.execPath,
  ['-e', "require('./dist/src/cli/commands/estimate'); console.log(Object.keys(require.cache).filter((k) => /axios|undici|[\\/]ws[\\/]|pulumi/.test(k)).length)"],
  { cwd: root, encoding: 'utf8' },
).stdout.trim();

const line = (label, ms, target) => console.log(`${label.padEnd(44)} ${ms.toFixed(0).padStart(5)} ms${target ? `   target < ${target} ms  ${ms < target ? 'ok' : 'MISSED'}` : ''}`);
console.log(`median of ${RUNS} runs`);
line('node -e 0', bare);
line('gpuburst estimate --model sdxl --images 1000', estimate, TARGET_MS);
line('  same with --json', estimateJson, TARGET_MS);
line('  estimate minus bare node', estimate - bare);
console.log(`${'heavy modules loaded by commands/estimate'.padEnd(44)} ${heavy.padStart(5)}      target 0  ${heavy === '0' ? 'ok' : 'MISSED'}`);
process.exitCode = estimate < TARGET_MS && heavy === '0' ? 0 : 1;
