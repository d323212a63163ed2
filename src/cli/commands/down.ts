/** `gpuburst down <id>`: tear down every machine of a session and confirm each with its provider. */
import path from 'path';
import type { Command } from 'commander';
import type { CliContext, CommandResult } from '../context';
import { EXIT } from '../exit-codes';

export function define(cmd: Command): void {
  cmd
    .argument('<session>', 'session id (gpuburst status lists them)')
    .option('--force', 'end machines even if finished outputs are still only on them')
    .option('--json', 'print the outcome per machine as JSON');
}

export async function run(args: unknown[], opts: Record<string, unknown>, ctx: CliContext): Promise<CommandResult> {
  const { downSession } = await import('../../session/manage');
  const outcomes = await downSession({ stateDir: path.join(ctx.cwd, '.gpuburst'), env: ctx.env, id: String(args[0]), force: Boolean(opts.force) });
  const open = outcomes.filter((o) => o.result === 'unconfirmed' || o.result === 'left-running');
  return {
    data: { session: args[0], machines: outcomes },
    text: () => (outcomes.length ? outcomes.map((o) => `${o.provider} ${o.name}${o.id ? ` (${o.id})` : ''}: ${o.result}${o.message ? ` — ${o.message}` : ''}`).join('\n') : 'nothing to tear down: every machine of this session is already ended'),
    exitCode: open.length ? EXIT.problems : EXIT.ok,
  };
}
