/** `gpuburst --version` answers without loading any command (scripts call it; it is the cheapest check of an install). */
import { spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { version } from '../../package.json';
import { ensureBuilt } from '../stacks/support/build';

const CLI = path.join(__dirname, '..', '..', 'dist', 'src', 'cli', 'index.js');
// A hook that writes, as the process ends, the CLI command modules it loaded (a JSON list).
let dir: string;
let hook: string;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-version-'));
  hook = path.join(dir, 'hook.js');
  fs.writeFileSync(hook, "process.on('exit', () => process.stderr.write('\\nLOADED ' + JSON.stringify(Object.keys(require.cache).filter((k) => /[\\\\/]cli[\\\\/]commands[\\\\/]/.test(k)))));");
  await ensureBuilt();
}, 180_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Runs the built CLI with the hook. */
function cli(args: string[]): { status: number | null; out: string; loaded: string[] } {
  const r = spawnSync(process.execPath, ['--require', hook, CLI, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
  return { status: r.status, out: r.stdout, loaded: JSON.parse(r.stderr.slice(r.stderr.lastIndexOf('\nLOADED ') + 8)) };
}

test.each(['--version', '-V'])('%s prints the version and loads no command module', (flag) => {
  expect(cli([flag])).toEqual({ status: 0, out: `${version}\n`, loaded: [] });
});

test('a command still loads its own module, and only that one (the hook sees it)', () => {
  const r = cli(['workflow', '--help']);
  expect(r.status).toBe(0);
  expect(r.loaded).toEqual([expect.stringMatching(/commands[\\/]workflow\.js$/)]);
});
