#!/usr/bin/env node
/**
 * `npm run build`: compiles providers/, src/ and stacks/ into dist/ and copies their assets, then records a hash of
 * everything the build read in dist/.build-inputs. With `--if-changed` (what `npm test` runs) it builds only when
 * that hash differs: `npm ci` has just built through `prepare`, and a second full compile on 2 cores cost ~15 s of
 * CPU for nothing. A hash, not mtimes: a checkout, a copy that keeps old mtimes or a deleted file all change it.
 */
'use strict';
const { spawnSync } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const STAMP = path.join(root, 'dist', '.build-inputs');
const INPUT_DIRS = ['providers', 'src', 'stacks'];
const INPUT_FILES = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'scripts/build.js', 'scripts/copy-assets.js', 'scripts/compile-api-schemas.js'];

function inputsHash() {
  const hash = crypto.createHash('sha256');
  const add = (rel) => {
    const abs = path.join(root, rel);
    if (!fs.existsSync(abs)) return;
    hash.update(`${rel}\0`);
    hash.update(fs.readFileSync(abs));
    hash.update('\0');
  };
  const walk = (rel) => {
    for (const entry of fs.readdirSync(path.join(root, rel), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const child = path.join(rel, entry.name);
      if (entry.isDirectory()) walk(child);
      else add(child);
    }
  };
  for (const dir of INPUT_DIRS) if (fs.existsSync(path.join(root, dir))) walk(dir);
  for (const file of INPUT_FILES) add(file);
  return hash.digest('hex');
}

function run(args) {
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const ifChanged = process.argv.includes('--if-changed');
const hash = inputsHash();
const built = fs.existsSync(STAMP) ? fs.readFileSync(STAMP, 'utf8').trim() : '';
if (ifChanged && built === hash) {
  console.log('build: dist/ is already built from these sources');
  process.exit(0);
}
fs.rmSync(STAMP, { force: true }); // a build that fails half way must not look complete
run([require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json']);
run([path.join(__dirname, 'copy-assets.js')]);
run([path.join(__dirname, 'compile-api-schemas.js')]);
fs.writeFileSync(STAMP, `${hash}\n`);
