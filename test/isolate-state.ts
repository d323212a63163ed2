/**
 * Sessions the tests run register in a state dir of their own test file, never in the developer's
 * (`~/.local/state/gpuburst`), where `gpuburst status` would list them for good: 1,879 pointers to dead test sessions
 * were found there after a day of test runs. Set in jest's process.env and in Node's own (the stack tests' dynamic
 * providers read that one); CLIs the tests start get it too (faults `cliEnv`).
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import * as vm from 'vm';

const nodeEnv = (vm.runInThisContext('process') as NodeJS.Process).env;
const before = nodeEnv.GPUBURST_STATE_DIR;
const own = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-test-state-'));
process.env.GPUBURST_STATE_DIR = own;
nodeEnv.GPUBURST_STATE_DIR = own;
afterAll(() => {
  if (before === undefined) delete nodeEnv.GPUBURST_STATE_DIR;
  else nodeEnv.GPUBURST_STATE_DIR = before;
  fs.rmSync(own, { recursive: true, force: true });
});
