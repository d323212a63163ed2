/**
 * `gpuburst down <id>`: tear down every machine of a session (found in this folder or the user state dir) and confirm
 * each with its provider. A session still running elsewhere is asked to stop first; Ctrl-C stops waiting for it.
 */
import type { Command } from 'commander';
import { positiveNumber } from '../../estimate/batch';
import type { CliContext, CommandResult } from '../context';
import { EXIT } from '../exit-codes';
import { withSignals } from '../session-runtime';

export function define(cmd: Command): void {
  cmd
    .argument('<session>', 'session id (gpuburst status lists them)')
    .option('--force', 'end machines even if finished outputs are still only on them')
    .option('--json', 'print the outcome per machine as JSON');
}

export async function run(args: unknown[], opts: Record<string, unknown>, ctx: CliContext): Promise<CommandResult> {
  const waitText = ctx.env.GPUBURST_DOWN_WAIT_SECONDS?.trim();
  const wait = waitText ? positiveNumber('GPUBURST_DOWN_WAIT_SECONDS', waitText) : undefined;
  const { downSession } = await import('../../session/down');
  const outcomes = await withSignals(ctx, (signal) =>
    downSession({ cwd: ctx.cwd, env: ctx.env, id: String(args[0]), force: Boolean(opts.force), signal, log: ctx.log, ownerWaitSeconds: wait }),
  );
  const open = outcomes.filter((o) => o.result === 'unconfirmed' || o.result === 'left-running');
  const line = (o: (typeof outcomes)[number]) =>
    `${o.provider} ${o.name}${o.id ? ` (${o.id})` : ''}: ${o.result}${o.billedSeconds !== undefined ? `, billed ${o.billedSeconds} s` : ''}${o.message ? ` — ${o.message}` : ''}`;
  return {
    data: { session: args[0], machines: outcomes },
    text: () => (outcomes.length ? outcomes.map(line).join('\n') : 'nothing to tear down: every machine of this session is already ended'),
    exitCode: open.length ? EXIT.problems : EXIT.ok,
  };
}
