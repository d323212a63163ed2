/**
 * `gpuburst resume <id>`: pull what finished, run what is left, tear down — like `run`, from the journal, found in
 * this folder or the user state dir. Confirms like `run` (the plan on stderr, [y/N] on a terminal, else --yes);
 * `--max-cost` sets the session's budget anew. A simulated session resumes only in a simulated world.
 */
import type { Command } from 'commander';
import { BadInputError } from '../../../providers/errors';
import type { CliContext, CommandResult } from '../context';
import { EXIT } from '../exit-codes';
import { createProgress } from '../render/progress';
import { renderPlan, renderReport } from '../render/session';
import { confirmOnTty, withSignals, withSimulatedWorld } from '../session-runtime';

export function define(cmd: Command): void {
  cmd
    .argument('<session>', 'session id (gpuburst status lists them)')
    .option('--max-cost <usd>', "the session's budget from now on (total spend, what it already cost included), e.g. 5")
    .option('--yes', 'do not ask for confirmation')
    .option('--json', 'one JSON event per line, the report last');
}

export async function run(args: unknown[], opts: Record<string, unknown>, ctx: CliContext): Promise<CommandResult> {
  const id = String(args[0]);
  const maxCostUsd = opts.maxCost === undefined ? undefined : usd(String(opts.maxCost));
  const json = Boolean(opts.json);
  const { resumeSession } = await import('../../session/resume');
  const { findSession } = await import('../../session/state-dir');
  const { readSession } = await import('../../session/journal');
  const loc = findSession(ctx.cwd, ctx.env, id);
  // `gpuburst sim`'s environment is already a simulated world; `run --simulate`'s lived in its process and is gone.
  const simulated = Boolean(loc && readSession(loc).journal?.request.simulated) && ctx.env.GPUBURST_SIMULATED !== '1';
  const view = createProgress(ctx, json);
  const resume = (signal: AbortSignal) => (env: NodeJS.ProcessEnv) =>
    resumeSession({
      cwd: ctx.cwd,
      env,
      id,
      signal,
      maxCostUsd,
      emit: (e) => view.emit(e),
      confirm: async (plan, notes) => {
        view.setEstimate(plan.estimateUsd, plan.ranked[0] ? plan.ranked[0].row.renderSeconds / Math.max(1, plan.prompts.length) : undefined);
        if (!json) ctx.stderr.write(renderPlan(plan, notes) + '\n');
        else view.emit({ type: 'log', level: 'info', message: notes.join(' ') });
        if (opts.yes) return true;
        if (!ctx.isTTY) throw new BadInputError('refusing to resume without confirmation: pass --yes (nothing was rented)');
        return confirmOnTty(ctx, 'Resume and rent? [y/N] ');
      },
    });
  const report = await withSignals({ ...ctx, log: view.log }, (signal) => (simulated ? withSimulatedWorld(ctx, (e) => view.emit(e), resume(signal)) : resume(signal)(ctx.env)).finally(() => view.stop()));
  const exitCode = report.status === 'done' && report.prompts.failed === 0 ? EXIT.ok : report.status === 'interrupted' ? EXIT.interrupted : EXIT.problems;
  return { data: json ? { type: 'report', ...report } : report, text: () => renderReport(report), exitCode, jsonLine: true };
}

function usd(text: string): number {
  const t = text.trim().replace(/^\$/, '');
  if (!/^(\d+(\.\d+)?|\.\d+)$/.test(t) || Number(t) <= 0) throw new BadInputError(`--max-cost: "${text}" is not accepted; accepted: a number > 0 (USD), e.g. 2.5`);
  return Number(t);
}
