#!/usr/bin/env node
// Runs every bench/*.bench.js (against the built dist/) one after another and prints their figures.
// Usage: npm run bench [-- name-filter]
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const filter = process.argv[2] ?? '';
const files = fs.readdirSync(__dirname).filter((f) => f.endsWith('.bench.js') && f.includes(filter)).sort();
console.log(`gpuburst benchmarks — ${new Date().toISOString().slice(0, 10)}, node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`);
// The machine is shared: each figure is printed with the load average around it, so a noisy one can be told apart.
const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
let failed = 0;
for (const f of files) {
  console.log(`\n## ${f.replace('.bench.js', '')} (load average at start: ${load()})`);
  const r = spawnSync(process.execPath, ['--expose-gc', path.join(__dirname, f)], { stdio: 'inherit' });
  console.log(`(load average at end: ${load()})`);
  if (r.status !== 0) failed++;
}
process.exitCode = failed ? 1 : 0;
