/**
 * jest globalSetup: one temporary folder per run for everything the run makes (test folders, simulators' disks,
 * the CLIs the tests start: os.tmpdir() follows TMPDIR, and the workers and children inherit it), removed when the
 * run ends (./run-tmp-teardown.js). Folders left by tests that do not clean up after themselves (180 per npm test,
 * counted at b8b4ada on 2026-12-04) go with it. Here, not in jest.config.js, which other tools (knip) load too.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');

module.exports = async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-test-run-'));
  process.env.GPUBURST_TEST_RUN_TMP = dir;
  process.env.TMPDIR = process.env.TMP = process.env.TEMP = dir;
};
