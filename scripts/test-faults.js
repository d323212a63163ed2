#!/usr/bin/env node
/**
 * `npm run test:faults`: the fault matrix (test/faults/) as a test run, with its summary printed at the end: one
 * line per group and provider (cases, failed, machines left running, duplicate machines, wall time) and the name of
 * every failed case. Exit code: jest's, or 1 when a case broke a promise although its test passed.
 * `node bench/fault-matrix.js` runs the same cases and also rewrites docs/fault-matrix.md.
 *
 *   npm run test:faults                     # all of test/faults/ (about 12-15 min on 2 cores)
 *   npm run test:faults -- kill-runpod api  # only test/faults/kill-runpod.test.ts and api.test.ts
 */
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const ROOT = path.join(__dirname, '..');

function main() {
  const only = process.argv.slice(2).map((n) => `test/faults/${n.replace(/\.test\.ts$/, '')}.test.ts`);
  const results = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-test-faults-'));
  const started = Date.now();
  const jestBin = require.resolve('jest/bin/jest', { paths: [ROOT] });
  const args = [jestBin, '--selectProjects', 'faults', ...(only.length ? ['--runTestsByPath', ...only] : [])];
  const jest = spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'inherit', env: { ...process.env, GPUBURST_FAULT_RESULTS: results } });
  const rows = fs
    .readdirSync(results)
    .filter((f) => f.endsWith('.json'))
    .flatMap((f) => JSON.parse(fs.readFileSync(path.join(results, f), 'utf8')));
  fs.rmSync(results, { recursive: true, force: true });
  console.log('\n' + summary(rows, (Date.now() - started) / 1000));
  const broken = rows.some((r) => !r.passed);
  process.exit(jest.status !== 0 ? jest.status || 1 : broken ? 1 : 0);
}

/** The figures per group and provider; a case "fails" here when a promise was broken (left, duplicate, unpulled). */
function summary(rows, wallSeconds) {
  if (rows.length === 0) return 'fault matrix: no case reported figures (no test ran, or each failed before its check)';
  const groups = new Map();
  for (const r of rows) {
    const key = `${r.group} ${r.provider}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(r);
  }
  const lines = ['fault matrix          cases  broken  left  duplicates  wall s'];
  for (const [key, list] of [...groups.entries()].sort()) {
    const sum = (k) => list.reduce((n, r) => n + r[k], 0);
    const cells = [list.length, list.filter((r) => !r.passed).length, sum('left'), sum('duplicates'), Math.round(sum('wallSeconds'))];
    lines.push(`${key.padEnd(20)}${cells.map((c, i) => String(c).padStart([7, 8, 6, 12, 8][i])).join('')}`);
  }
  for (const r of rows.filter((x) => !x.passed)) lines.push(`broken: ${r.group} ${r.provider}: ${r.case} (${r.how})`);
  const broken = rows.filter((r) => !r.passed).length;
  lines.push(`${rows.length} cases, ${broken} with a broken promise, ${Math.round(wallSeconds)} s wall`);
  return lines.join('\n');
}

main();
