import type { CliContext } from '../../../src/cli/context';
import { countText, createProgress } from '../../../src/cli/render/progress';

/** A context whose stderr looks like a terminal, so the bar view runs; `log` lines go to the same stream, as in the CLI. */
function terminal(): { ctx: CliContext; written: () => string } {
  let text = '';
  const stream = Object.assign(
    { isTTY: true, columns: 120, rows: 40, write: (s: string | Uint8Array) => ((text += String(s)), true), on: () => stream, once: () => stream, removeListener: () => stream },
    {},
  ) as unknown as NodeJS.WriteStream;
  const ctx: CliContext = { env: {}, cwd: '/', isTTY: true, stdout: stream, stderr: stream, log: (line) => stream.write(line + '\n') };
  return { ctx, written: () => text };
}

const progress = (done: number, failed: number, total = 12) => ({ type: 'progress' as const, done, failed, total, spentUsd: 0.00041, projectedUsd: 0.003 });

test('counts: failed prompts are apart, never counted as done images', () => {
  expect(countText({ done: 10, failed: 2, total: 12 })).toBe('10/12 prompts done, 2 failed');
  expect(countText({ done: 3, failed: 0, total: 12 })).toBe('3/12 prompts done');
});

test('line view: counts, an honest ETA and the spend against the plan estimate', () => {
  const lines: string[] = [];
  const ctx: CliContext = { env: {}, cwd: '/', isTTY: false, stdout: process.stdout, stderr: process.stderr, log: (l) => lines.push(l) };
  const view = createProgress(ctx, false);
  view.setEstimate(0.012);
  view.emit(progress(2, 1));
  view.emit({ type: 'prompt', id: 'p-3', state: 'failed', reason: 'OOM' });
  view.emit(progress(10, 2));
  expect(lines).toEqual([
    '2/12 prompts done, 1 failed, ETA estimating…, spent $0.00041 of ~$0.012 estimated',
    'prompt p-3 failed: OOM',
    '10/12 prompts done, 2 failed, ETA done, spent $0.00041 of ~$0.012 estimated',
  ]);
});

test('bar view: a line (the Ctrl-C notice) clears the bar first, and the bar comes back below it', () => {
  const { ctx, written } = terminal();
  const view = createProgress(ctx, false);
  view.setEstimate(0.012);
  view.emit(progress(2, 0));
  const bar = written();
  expect(bar).toMatch(/2\/12 prompts done \| ETA estimating… \| spent \$0\.00041 of ~\$0\.012 estimated/);
  expect(bar).not.toMatch(/NF|images/);
  view.log('interrupt: stopping — finishing the running prompt, pulling outputs, tearing the machines down');
  const afterLog = written().slice(bar.length);
  // The bar line is cleared (carriage return + erase line) before the notice, which ends with its own newline.
  const notice = afterLog.indexOf('interrupt: stopping');
  expect(afterLog.slice(0, notice)).toMatch(/\x1b\[2K/);
  expect(afterLog.slice(notice)).toMatch(/tearing the machines down\n$/);
  view.emit(progress(3, 1));
  const redraw = written().slice(bar.length + afterLog.length);
  expect(redraw).toMatch(/3\/12 prompts done, 1 failed/);
  expect(redraw).not.toMatch(/interrupt/);
  view.stop();
});
