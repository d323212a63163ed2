/** `gpuburst resume <id>`: pull what finished, run what is left, tear down — like `run`, from the journal. */
import path from 'path';
import type { Command } from 'commander';
import type { CliContext, CommandResult } from '../context';
import { EXIT } from '../exit-codes';
import { createProgress } from '../render/progress';
import { renderReport } from '../render/session';
import { withSignals } from '../session-runtime';

export function define(cmd: Command): void {
  cmd.argument('<session>', 'session id (gpuburst status lists them)').option('--json', 'one JSON event per line, the report last');
}

export async function run(args: unknown[], opts: Record<string, unknown>, ctx: CliContext): Promise<CommandResult> {
  const json = Boolean(opts.json);
  const view = createProgress(ctx, json);
  const { resumeSession } = await import('../../session/resume');
  const report = await withSignals({ ...ctx, log: view.log }, (signal) =>
    resumeSession({ stateDir: path.join(ctx.cwd, '.gpuburst'), cwd: ctx.cwd, env: ctx.env, id: String(args[0]), signal, emit: (e) => view.emit(e) }).finally(() => view.stop()),
  );
  const exitCode = report.status === 'done' && report.prompts.failed === 0 ? EXIT.ok : report.status === 'interrupted' ? EXIT.interrupted : EXIT.problems;
  return { data: json ? { type: 'report', ...report } : report, text: () => renderReport(report), exitCode, jsonLine: true };
}
