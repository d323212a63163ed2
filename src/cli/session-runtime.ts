/**
 * Process-level safety for commands that rent machines: Ctrl-C, SIGTERM and an uncaught exception all turn into
 * one abort signal, so the session stops queueing, interrupts what runs and still reaches its teardown. A second Ctrl-C / SIGTERM leaves
 * at once: the session first records in its journal what is still up (LEAVE_EVENT), so `down` / `sweep` can end it.
 */
import readline from 'readline';
import { PROVIDER_ENV } from '../../providers/index';
import { CLOUD_PROVIDERS } from '../../providers/types';
import { Emit, LEAVE_EVENT } from '../session/events';
import type { CliContext } from './context';
import { EXIT } from './exit-codes';

export async function withSignals<T>(ctx: CliContext, body: (signal: AbortSignal) => Promise<T>, exit: (code: number) => void = (code) => process.exit(code)): Promise<T> {
  const controller = new AbortController();
  let count = 0;
  const onSignal = (name: string) => {
    count++;
    if (count === 1) {
      ctx.log(`${name}: stopping — interrupting the running prompt(s), pulling the outputs already made, tearing the machines down; interrupted prompts are left for gpuburst resume (${name === 'interrupt' ? 'Ctrl-C' : name} again leaves at once)`);
      controller.abort();
      return;
    }
    ctx.log(`${name} again: leaving now, before teardown has finished; gpuburst status lists what may still bill`);
    controller.signal.dispatchEvent(new Event(LEAVE_EVENT));
    exit(EXIT.interrupted);
  };
  const onInt = () => onSignal('interrupt');
  const onTerm = () => onSignal('SIGTERM');
  const onCrash = (err: unknown) => {
    ctx.log(`internal error: ${(err as Error)?.stack ?? String(err)} — tearing down before exiting`);
    controller.abort();
  };
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  try {
    return await body(controller.signal);
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
  }
}

export function confirmOnTty(ctx: CliContext, question: string): Promise<boolean> {
  const rl = readline.createInterface({ input: process.stdin, output: ctx.stderr });
  return new Promise((resolve) => {
    rl.question(question, (answer) => {
      rl.close();
      resolve(/^y(es)?$/i.test(answer.trim()));
    });
  });
}

/**
 * `--simulate`: the simulated clouds and ComfyUI start in this process (the simulators are loaded only here) and
 * `body` gets an environment pointing at them instead of the real clouds; they stop when `body` ends.
 */
export async function withSimulatedWorld<T>(ctx: CliContext, emit: Emit, body: (env: NodeJS.ProcessEnv) => Promise<T>): Promise<T> {
  const { startWorld } = await import('../sim/world');
  const world = await startWorld({ python: ctx.env.GPUBURST_PYTHON?.trim() || undefined });
  emit({ type: 'log', level: 'info', message: `simulated clouds and ComfyUI running in this process (no account, no cost); agent logs in ${world.workDir}` });
  try {
    return await body({ ...withoutCloudSettings(ctx.env), ...world.env });
  } finally {
    await world.close();
  }
}

/** Real keys and URLs must never reach a simulated session (and the reverse). */
function withoutCloudSettings(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const c of CLOUD_PROVIDERS) {
    delete out[PROVIDER_ENV[c].keyVar];
    for (const k of Object.keys(out)) if (k.startsWith(`GPUBURST_${c.toUpperCase()}_`)) delete out[k];
  }
  return out;
}
