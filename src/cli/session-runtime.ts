/**
 * Process-level safety for commands that rent machines: Ctrl-C, SIGTERM and an uncaught exception all turn into
 * one abort signal, so the session stops queueing and still reaches its teardown. A second Ctrl-C only says that
 * teardown is under way: leaving now could leave a machine billing.
 */
import readline from 'readline';
import type { CliContext } from './context';

export async function withSignals<T>(ctx: CliContext, body: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let count = 0;
  const onSignal = (name: string) => {
    count++;
    if (count === 1) ctx.log(`${name}: stopping — finishing the running prompt, pulling outputs, tearing the machines down`);
    else ctx.log(`${name} again: teardown is under way; please wait, or machines may keep billing (gpuburst status shows them)`);
    controller.abort();
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
