/**
 * Output names come from the server: a ComfyUI whose history reports `../` or absolute names (broken, or hostile)
 * must never make gpuburst write outside `<out>/<session>/`. `gpuburst run --provider local` drives such a server
 * (./support/hostile-comfy.ts); each prompt fails with a message naming the refused name, the exit code is 1.
 */
import crypto from 'crypto';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { EXIT } from '../../src/cli/exit-codes';
import { findCanary } from '../canary/scan';
import { startHostileComfy, OutputFile } from './support/hostile-comfy';
import { batch, runCli, workspace } from './support/cli';

const SD15 = 'v1-5-pruned-emaonly-fp16.safetensors';
const tag = crypto.randomBytes(4).toString('hex');
const outside = path.join(os.tmpdir(), `gpuburst-escape-${tag}`);

/** Every file below `root`, relative to it. */
function filesUnder(root: string): string[] {
  return (fs.readdirSync(root, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(root, f)).isFile());
}

async function runAgainst(rewrite: (f: OutputFile) => OutputFile) {
  const comfy = await startHostileComfy(rewrite, { msPerStep: 1, models: { checkpoints: [SD15] } });
  const cwd = workspace({ 'b.yaml': batch('wf.json', ['repeat: 2', 'seeds: increment']) });
  try {
    const r = await runCli(['run', 'b.yaml', '--provider', 'local', '--comfy-url', comfy.url, '--yes', '--out', 'out'], { cwd, env: {} });
    return { r, cwd, files: filesUnder(cwd), views: comfy.requests.filter((q) => q.startsWith('GET /view') || q.startsWith('GET /api/view')) };
  } finally {
    await comfy.close();
  }
}

afterAll(() => {
  expect(fs.existsSync(outside)).toBe(false);
  expect(fs.existsSync(`${outside}.png`)).toBe(false);
});

test('control: the same server with honest names — every image lands under out/<session>/', async () => {
  const { r, cwd, files } = await runAgainst((f) => f);
  expect(r.code).toBe(EXIT.ok);
  expect(files.filter((f) => f.endsWith('.png')).every((f) => /^out\/\d{8}-\d{4}-[0-9a-f]{4}\/wf\/sd15\//.test(f))).toBe(true);
  expect(files.filter((f) => f.endsWith('.png'))).toHaveLength(2);
  fs.rmSync(cwd, { recursive: true, force: true });
}, 30_000);

const hostile: [string, (f: OutputFile) => OutputFile, RegExp][] = [
  ['a ../ file name', (f) => ({ ...f, filename: `../../../gpuburst-escape-${tag}.png` }), /refusing unsafe output filename "\.\.\/\.\.\/\.\.\/gpuburst-escape-[0-9a-f]{8}\.png" from the server/],
  ['an absolute file name', (f) => ({ ...f, filename: `${outside}.png` }), /refusing unsafe output filename ".*gpuburst-escape-[0-9a-f]{8}\.png" from the server/],
  ['an absolute subfolder', (f) => ({ ...f, subfolder: outside }), /refusing unsafe subfolder ".*gpuburst-escape-[0-9a-f]{8}" from the server/],
  ['a ../ subfolder', (f) => ({ ...f, subfolder: '../../../..' }), /refusing unsafe subfolder "\.\.\/\.\.\/\.\.\/\.\." from the server/],
  ['Windows separators', (f) => ({ ...f, filename: `..\\..\\..\\gpuburst-escape-${tag}.png` }), /refusing unsafe output filename "\.\.\\\\\.\.\\\\.*" from the server/],
];

test.each(hostile)('%s in the history: nothing written outside the output folder, the prompt fails naming it, exit 1', async (_name, rewrite, says) => {
  const { r, cwd, files, views } = await runAgainst(rewrite);
  expect(r.code).toBe(EXIT.problems);
  expect(r.err + r.out).toMatch(says);
  expect(r.out).toMatch(/0\/2 prompts done, 2 failed/);
  // Only the inputs, the state folder and (empty) output folders: no image anywhere.
  expect(files.filter((f) => !/^(b\.yaml|wf\.json|\.gpuburst\/)/.test(f))).toEqual([]);
  expect(views).toEqual([]); // the unsafe name was refused before any download
  expect(`${r.out}${r.err}`).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  expect(findCanary(r.out + r.err)).toBeUndefined();
  fs.rmSync(cwd, { recursive: true, force: true });
}, 30_000);
