#!/usr/bin/env node
/**
 * gpuburst entry point. One top-level catch turns errors into exit codes: user errors and typed errors print one
 * line (no stack); anything else is an internal error with its stack and a request to report it.
 */
import { CommanderError } from 'commander';
import { GpuburstError } from '../../providers/errors';
import { redact } from '../../providers/redact';
import { buildProgram } from './program';
import { EXIT, exitCodeFor } from './exit-codes';
import type { CliContext } from './context';

export async function main(argv: string[], ctx: CliContext): Promise<number> {
  try {
    const outcome = { exitCode: EXIT.ok as number };
    await buildProgram(ctx, argv, outcome).parseAsync(argv);
    return outcome.exitCode;
  } catch (err) {
    return handleError(err, ctx);
  }
}

export function handleError(err: unknown, ctx: CliContext): number {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.ok;
    // commander already printed its one-line message.
    return EXIT.badInput;
  }
  if (err instanceof GpuburstError) {
    ctx.stderr.write(`gpuburst: ${redact(err.message)}\n`);
    return exitCodeFor(err.code);
  }
  const stack = err instanceof Error ? err.stack ?? err.message : String(err);
  ctx.stderr.write(`gpuburst: internal error — please report it with the lines below.\n${redact(stack)}\n`);
  return EXIT.internal;
}

export function processContext(): CliContext {
  // A reader that went away (`gpuburst run | tee log`: Ctrl-C ends tee too) must not stop the teardown. Unhandled,
  // the broken pipe's 'error' became an uncaught exception, whose log line failed the same way, forever: one core
  // spinning and the machine left running. Handled, later writes go nowhere and the session ends as it should.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
  return {
    env: process.env,
    cwd: process.cwd(),
    isTTY: Boolean(process.stdout.isTTY),
    stdout: process.stdout,
    stderr: process.stderr,
    log: (line) => process.stderr.write(redact(line) + '\n'),
  };
}

if (require.main === module) {
  main(process.argv, processContext()).then((code) => {
    process.exitCode = code;
  });
}
