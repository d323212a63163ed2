/**
 * `gpuburst sim`: the four cloud API simulators (each machine runs a simulated ComfyUI and the real machine agent)
 * in one long-running process. Prints the environment that points gpuburst at them; stops on Ctrl-C.
 */
import type { Command } from 'commander';
import { CLOUD_PROVIDERS } from '../../../providers/types';
import { positiveNumber, wholeNumber } from '../../estimate/batch';
import type { CliContext, CommandResult } from '../context';

export function define(cmd: Command): void {
  cmd
    .option('--port <n>', 'first port: runpod, vast, lambda, paperspace take n, n+1, n+2, n+3 (default: free ports)')
    .option('--ms-per-step <ms>', 'simulated render time per sampler step', '20')
    .option('--latency <ms>', 'added to every API request', '0')
    .option('--json', 'print the environment as JSON');
}

export async function run(_args: unknown[], opts: Record<string, unknown>, ctx: CliContext): Promise<CommandResult> {
  const base = opts.port !== undefined ? wholeNumber('--port', opts.port, 1024, 65532) : undefined;
  const msPerStep = positiveNumber('--ms-per-step', opts.msPerStep, true);
  const latencyMs = positiveNumber('--latency', opts.latency, true);
  const { startWorld } = await import('../../sim/world');
  const ports = base === undefined ? undefined : Object.fromEntries(CLOUD_PROVIDERS.map((p, i) => [p, base + i]));
  const world = await startWorld({ comfy: { msPerStep }, latencyMs, ports, python: ctx.env.GPUBURST_PYTHON?.trim() || undefined });
  const lines = Object.entries(world.env).map(([k, v]) => `export ${k}=${v}`);
  if (opts.json) ctx.stdout.write(JSON.stringify({ env: world.env, state: world.sims.map((s) => `${s.url}/_sim/state`) }) + '\n');
  else {
    ctx.stdout.write(`# gpuburst simulators are running (Ctrl-C stops them). Point gpuburst at them in another shell:\n${lines.join('\n')}\n`);
    ctx.stdout.write(`# state of each simulator (machines, status, billed seconds):\n${world.sims.map((s) => `#   curl ${s.url}/_sim/state`).join('\n')}\n`);
  }
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  const billing = world.sims.flatMap((s) => s.state().machines.filter((m) => m.billing).map((m) => `${s.provider} ${m.name}`));
  if (billing.length) ctx.log(`simulated machines still "billing" when stopped: ${billing.join(', ')}`);
  await world.close();
  return { data: { stopped: true, billing } };
}
