/**
 * `gpuburst sweep [--yes]`: machines named gpuburst-… on every provider with a key that no live session owns.
 * Lists them; with --yes terminates each (and Paperspace's leftover startup scripts). Model caches are listed with
 * what they bill, never deleted (`gpuburst cache delete`).
 */
import type { Command } from 'commander';
import type { CliContext, CommandResult } from '../context';
import { EXIT } from '../exit-codes';
import { keptCacheLines } from '../render/caches';

export function define(cmd: Command): void {
  cmd.option('--yes', 'terminate what is found (without it, only list)').option('--json', 'print the machines as JSON');
}

export async function run(_args: unknown[], opts: Record<string, unknown>, ctx: CliContext): Promise<CommandResult> {
  const { sweep } = await import('../../session/manage');
  const { listAllCaches } = await import('../../session/cache-admin');
  const [r, kept] = await Promise.all([sweep({ cwd: ctx.cwd, env: ctx.env, apply: Boolean(opts.yes) }), listAllCaches({ env: ctx.env })]);
  const text = () => {
    const lines = [r.checked.length ? `checked: ${r.checked.join(', ')}` : 'no provider key is set: nothing to check (set RUNPOD_API_KEY, VAST_API_KEY, LAMBDA_API_KEY or PAPERSPACE_API_KEY)'];
    for (const o of r.orphans) lines.push(`${o.provider} ${o.name} (${o.id}) ${o.status}${o.session ? ` session ${o.session}` : ''}${o.result ? `: ${o.result}${o.message ? ` — ${o.message}` : ''}` : ''}`);
    for (const e of r.errors) lines.push(`${e.provider}: ${e.code} ${e.message}`);
    if (r.orphans.length === 0) lines.push('no orphaned gpuburst machine found');
    else if (!opts.yes) lines.push(`${r.orphans.length} machine(s) no live session owns; gpuburst sweep --yes terminates them`);
    // Never swept: a cache is the user's to keep. Said here because it bills every month.
    lines.push(...keptCacheLines(kept.caches));
    return lines.join('\n');
  };
  const failed = r.orphans.some((o) => o.result === 'failed') || r.errors.length > 0;
  return { data: { ...r, caches: kept.caches }, text, exitCode: failed ? EXIT.problems : EXIT.ok };
}
