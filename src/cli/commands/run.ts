/**
 * `gpuburst run <batch.yaml>`: validate and estimate (nothing rented if either fails), confirm, rent, render, pull,
 * and always tear down — on success, on error, on Ctrl-C / SIGTERM, on an uncaught exception. `--simulate` runs
 * the same code against in-process simulators of all four clouds.
 */
import type { Command } from 'commander';
import { BadInputError } from '../../../providers/errors';
import { DEFAULT_WATCHDOG_MINUTES, MAX_PODS, MAX_WATCHDOG_MINUTES, REQUEST_PROVIDERS } from '../../session/request';
import type { CliContext, CommandResult } from '../context';
import { EXIT } from '../exit-codes';
import { createProgress } from '../render/progress';
import { renderPlan, renderReport } from '../render/session';
import { confirmOnTty, withSignals, withSimulatedWorld } from '../session-runtime';

// Defaults live in the session request (src/session/request.ts); the help only repeats them.
const minutes = `(minutes, > 0 and ≤ ${MAX_WATCHDOG_MINUTES}; default ${DEFAULT_WATCHDOG_MINUTES})`;

export function define(cmd: Command): void {
  cmd
    .argument('<batch>', 'batch file (YAML): workflows, variations, models, output folder; with --engine pulumi, the stack name')
    .option('--engine <engine>', 'cli (default) or pulumi: run the stack stacks/Pulumi.<stack>.yaml with the Automation API (up, then destroy)', 'cli')
    .option('--provider <name>', `${REQUEST_PROVIDERS.join('|')} (auto: the cheapest across clouds with a key; default: the batch file's, else auto)`)
    .option('--gpu <name>', 'only this GPU, e.g. "RTX 4090"')
    .option('--pods <n>', `machines to spread the prompts over (1 to ${MAX_PODS}; default 1, with --provider local one per --comfy-url)`)
    .option('--max-cost <usd>', 'budget: refuse if the estimate is higher; stop queueing before spend passes it')
    .option('--max-price <usd>', 'only offers at or below this price, USD per hour')
    .option('--out <dir>', 'output root; files go to <out>/<session>/<workflow>/ (default: the batch file\'s output)')
    .option('--teardown <policy>', 'terminate|stop at the end (stop only where the provider can; default terminate)')
    .option('--idle-minutes <m>', `the machine's watchdog ends it after ComfyUI idles this long once the batch is done ${minutes}`)
    .option('--heartbeat-minutes <n>', `the machine's watchdog ends it after this long without hearing from gpuburst ${minutes}`)
    .option('--no-remote-key', 'never hand an account API key to a machine (Lambda, Paperspace: no self-termination)')
    .option('--comfy-url <url...>', 'with --provider local: ComfyUI servers you already run (repeat for several GPUs)')
    .option('--model <profile>', 'estimator profile (sd15, sdxl, sd-turbo, lcm, flux-schnell, flux-dev); default: from the checkpoint')
    .option('--interruptible', 'use interruptible (spot / bid) offers')
    .option('--cache <name>', 'keep models on this cache across sessions (RunPod network volume, Lambda filesystem); created if missing, never deleted by gpuburst except `gpuburst cache delete`')
    .option('--cache-region <id>', 'where a new cache is created: a RunPod data center (EU-RO-1) or a Lambda region (us-east-1)')
    .option('--yes', 'do not ask for confirmation')
    .option('--simulate', 'run against local simulators of the four clouds and ComfyUI (no account, no cost)')
    .option('--json', 'one JSON event per line, the report last');
}

export async function run(args: unknown[], opts: Record<string, unknown>, ctx: CliContext): Promise<CommandResult> {
  if (opts.engine !== 'cli' && opts.engine !== 'pulumi') throw new BadInputError(`--engine: "${String(opts.engine)}" is not accepted; accepted: cli, pulumi`);
  if (opts.engine === 'pulumi') return runStack(String(args[0]), opts, ctx);
  const { buildSessionRequest } = await import('../../session/request-sources');
  const simulate = Boolean(opts.simulate);
  const request = buildSessionRequest({
    origin: 'cli',
    cwd: ctx.cwd,
    env: ctx.env,
    given: {
      batchFile: args[0],
      provider: opts.provider,
      gpu: opts.gpu,
      pods: opts.pods,
      maxCostUsd: opts.maxCost,
      maxUsdPerHour: opts.maxPrice,
      interruptible: opts.interruptible,
      model: opts.model,
      outDir: opts.out,
      teardown: opts.teardown,
      idleMinutes: opts.idleMinutes,
      heartbeatMinutes: opts.heartbeatMinutes,
      remoteKey: opts.remoteKey,
      comfyUrls: opts.comfyUrl,
      cache: opts.cache,
      cacheRegion: opts.cacheRegion,
      simulated: simulate || undefined,
    },
  });
  const json = Boolean(opts.json);
  const view = createProgress(ctx, json);
  const { runSessionFromCli } = await import('../../session/cli-session');
  const session = (signal: AbortSignal) => (env: NodeJS.ProcessEnv) =>
    runSessionFromCli(request, {
      cwd: ctx.cwd,
      env,
      signal,
      emit: (e) => view.emit(e),
      confirm: async (plan, notes) => {
        view.setEstimate(plan.estimateUsd, plan.ranked[0] ? plan.ranked[0].row.renderSeconds / Math.max(1, plan.prompts.length) : undefined);
        if (!json) ctx.stderr.write(renderPlan(plan, notes) + '\n');
        else view.emit({ type: 'log', level: 'info', message: notes.join(' ') });
        if (opts.yes) return true;
        if (!ctx.isTTY) throw new BadInputError('refusing to rent without confirmation: pass --yes (nothing was rented)');
        return confirmOnTty(ctx, 'Rent and run? [y/N] ');
      },
    });
  // The Ctrl-C notice goes through the view, which clears the progress bar before printing it.
  const report = await withSignals({ ...ctx, log: view.log }, (signal) => (simulate ? withSimulatedWorld(ctx, (e) => view.emit(e), session(signal)) : session(signal)(ctx.env)).finally(() => view.stop()));
  const exitCode = report.status === 'done' && report.prompts.failed === 0 ? EXIT.ok : report.status === 'interrupted' ? EXIT.interrupted : EXIT.problems;
  return { data: json ? { type: 'report', ...report } : report, text: () => renderReport(report), exitCode, jsonLine: true };
}

/** `--engine pulumi <stack>`: the same session, as the stack's resources, through the Automation API. */
async function runStack(stack: string, opts: Record<string, unknown>, ctx: CliContext): Promise<CommandResult> {
  const view = createProgress(ctx, Boolean(opts.json));
  const { runWithPulumi } = await import('./engine-pulumi');
  const result = await withSignals({ ...ctx, log: view.log }, (signal) => runWithPulumi({ stack, cwd: ctx.cwd, env: ctx.env, signal, emit: (e) => view.emit(e) }).finally(() => view.stop()));
  const lines = Object.entries(result.outputs).map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  return {
    data: { type: 'report', ...result },
    text: () => [`stack ${result.stack}: ${result.interrupted ? 'interrupted (everything it created was destroyed)' : 'done, then destroyed'}`, ...lines].join('\n'),
    exitCode: result.interrupted ? EXIT.interrupted : EXIT.ok,
    jsonLine: true,
  };
}
