/**
 * `gpuburst sim` as a user runs it: a long-running process that prints the environment; with that environment,
 * `gpuburst offers` lists live offers from all four simulated clouds; Ctrl-C stops it cleanly.
 */
import { spawn } from 'child_process';
import path from 'path';
import { main } from '../../src/cli';
import { ensureBuilt, ROOT } from '../stacks/support/build';
import { captureContext } from './support/cli';

test('gpuburst sim prints the environment; offers then reads all four clouds live; Ctrl-C stops it', async () => {
  await ensureBuilt();
  const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'src', 'cli', 'index.js'), 'sim'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const env: Record<string, string> = {};
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no environment printed: ${text}`)), 20_000);
    child.stdout.on('data', (d) => {
      text += d;
      if (/PAPERSPACE_API_KEY=/.test(text) && /GPUBURST_VAST_API_URL=/.test(text)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  for (const m of text.matchAll(/^export ([A-Z0-9_]+)=(.*)$/gm)) env[m[1]] = m[2];
  expect(Object.keys(env)).toEqual(expect.arrayContaining(['GPUBURST_RUNPOD_API_URL', 'RUNPOD_API_KEY', 'GPUBURST_VAST_API_URL', 'VAST_API_KEY', 'GPUBURST_LAMBDA_API_URL', 'LAMBDA_API_KEY', 'GPUBURST_PAPERSPACE_API_URL', 'PAPERSPACE_API_KEY']));

  const ctx = captureContext({ PATH: process.env.PATH, ...env }, ROOT);
  expect(await main(['node', 'gpuburst', 'offers', '--json'], ctx)).toBe(0);
  const { offers, errors } = JSON.parse(ctx.out());
  expect(errors).toEqual([]);
  const live = new Set(offers.filter((o: { live: boolean }) => o.live).map((o: { provider: string }) => o.provider));
  expect([...live].sort()).toEqual(['lambda', 'paperspace', 'runpod', 'vast']);

  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  child.kill('SIGINT');
  expect(await exited).toBe(0);
}, 60_000);
