#!/usr/bin/env node
/**
 * Runs npm scripts side by side and fails when any of them fails (a plain `&` in package.json would lose the exit
 * codes). `npm test` runs the type check and the cycle/dead-code checks beside jest: on 2 cores jest keeps about 1.7
 * of them busy (its slowest files mostly wait), and the checks fit in the rest instead of adding ~13 s before it.
 *
 *   node scripts/run-parallel.js typecheck check -- test:unit
 *
 * Scripts after `--` write to the terminal as they go; the others' output is held and printed in one piece when they
 * end, so lines never interleave. Arguments are not passed on to the scripts: set them in package.json.
 */
'use strict';
const { spawn } = require('child_process');

const args = process.argv.slice(2);
const cut = args.indexOf('--');
const held = cut < 0 ? args : args.slice(0, cut);
const live = cut < 0 ? [] : args.slice(cut + 1);
// Windows runs npm through npm.cmd, and Node spawns a .cmd only through a shell.
const onWindows = process.platform === 'win32';

function run(name, streamed) {
  return new Promise((resolve) => {
    const child = spawn(onWindows ? 'npm.cmd' : 'npm', ['run', '-s', name], { shell: onWindows, stdio: streamed ? 'inherit' : ['ignore', 'pipe', 'pipe'] });
    let output = '';
    if (!streamed) {
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
    }
    child.on('close', (code) => {
      if (output.trim()) process.stdout.write(`> ${name}\n${output}`);
      resolve({ name, code });
    });
  });
}

Promise.all([...held.map((n) => run(n, false)), ...live.map((n) => run(n, true))]).then((results) => {
  const failed = results.filter((r) => r.code !== 0);
  for (const r of failed) console.error(`npm run ${r.name} failed (exit ${r.code})`);
  process.exit(failed.length ? 1 : 0);
});
