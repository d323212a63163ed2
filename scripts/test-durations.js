#!/usr/bin/env node
/**
 * Rewrites test/durations.json (seconds per test file, rounded) from one or more `jest --json` result files, so the
 * test sequencer (test/sequencer.js) can start the slow files first even on a fresh clone without jest's cache.
 * Several inputs are averaged; files under 1 s are left out (the sequencer orders unknown files by size).
 *
 *   npx jest --selectProjects unit --json --outputFile=/tmp/run.json && node scripts/test-durations.js /tmp/run.json
 */
'use strict';
const fs = require('fs');
const path = require('path');

const ROOT = path.join(__dirname, '..');
const inputs = process.argv.slice(2);
if (inputs.length === 0) {
  console.error('usage: node scripts/test-durations.js <jest --json output> [more outputs]');
  process.exit(2);
}
const sums = new Map();
for (const file of inputs) {
  for (const r of JSON.parse(fs.readFileSync(file, 'utf8')).testResults) {
    const rel = path.relative(ROOT, r.name).split(path.sep).join('/');
    // A report from another checkout would fill the table with paths the sequencer never matches.
    if (rel.startsWith('../') || path.isAbsolute(rel)) {
      console.error(`${file} is from another checkout (${r.name}); run that checkout's scripts/test-durations.js`);
      process.exit(2);
    }
    const seconds = (r.endTime - r.startTime) / 1000;
    const s = sums.get(rel) ?? { total: 0, n: 0 };
    sums.set(rel, { total: s.total + seconds, n: s.n + 1 });
  }
}
const rows = [...sums.entries()].map(([rel, s]) => [rel, Math.round((s.total / s.n) * 10) / 10]).filter(([, s]) => s >= 1);
rows.sort((a, b) => b[1] - a[1]);
fs.writeFileSync(path.join(ROOT, 'test', 'durations.json'), JSON.stringify(Object.fromEntries(rows), null, 1) + '\n');
console.log(`test/durations.json: ${rows.length} files, ${Math.round(rows.reduce((n, r) => n + r[1], 0))} s in all`);
