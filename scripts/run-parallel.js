#!/usr/bin/env node
/**
 * Runs npm scripts side by side and fails when any of them fails (a plain `&` in package.json would lose the exit
 * codes). `npm test` uses it for build, typecheck and the cycle/dead-code checks: independent, and on 2 cores
 * together they take the time of the slowest instead of the sum.
 *
 *   node scripts/run-parallel.js build typecheck check
 */
'use strict';
const { spawn } = require('child_process');

const names = process.argv.slice(2);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const runs = names.map(
  (name) =>
    new Promise((resolve) => {
      const child = spawn(npm, ['run', '-s', name], { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
      child.on('close', (code) => {
        // Each script's output in one piece, so parallel runs do not interleave their lines.
        if (output.trim()) process.stdout.write(`> ${name}\n${output}`);
        resolve({ name, code });
      });
    }),
);
Promise.all(runs).then((results) => {
  const failed = results.filter((r) => r.code !== 0);
  for (const r of failed) console.error(`npm run ${r.name} failed (exit ${r.code})`);
  process.exit(failed.length ? 1 : 0);
});
