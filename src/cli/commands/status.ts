/** `gpuburst status [id]`: every session (this folder's and those registered in the user state dir), its machines as the providers see them now, and the spend so far. */
import type { Command } from 'commander';
import { hasEnded } from '../../session/journal';
import type { SessionStatusRow } from '../../session/manage';
import type { CliContext, CommandResult } from '../context';
import { keptCacheLines } from '../render/caches';
import { usd } from '../render/format';

/** Caches are a side note of status: a slow provider must not hold the sessions back longer than this. */
const CACHE_LIST_MS = 10_000;

export function define(cmd: Command): void {
  cmd.argument('[session]', 'one session id (default: all)').option('--json', 'print the sessions as JSON');
}

export async function run(args: unknown[], opts: Record<string, unknown>, ctx: CliContext): Promise<CommandResult> {
  const { sessionStatus } = await import('../../session/manage');
  const { listAllCaches } = await import('../../session/cache-admin');
  const [sessions, kept] = await Promise.all([sessionStatus({ cwd: ctx.cwd, env: ctx.env, only: args[0] as string | undefined }), listAllCaches({ env: ctx.env, signal: AbortSignal.timeout(CACHE_LIST_MS) })]);
  return { data: { sessions, caches: kept.caches }, text: () => [render(sessions), ...keptCacheLines(kept.caches)].join('\n') };
}

function render(rows: SessionStatusRow[]): string {
  if (rows.length === 0) return 'no sessions yet (gpuburst run starts one)';
  return rows
    .map((s) => {
      if (s.damaged) return [`${s.id}  damaged${s.live ? ' (running now)' : ''}  ${s.message}`, `  journal: ${s.journal}`, ...machineLines(s)].join('\n');
      // A session still "rendering" whose process is gone crashed or was killed: say so, and what to do.
      const orphaned = !s.live && !hasEnded(s.status);
      const state = s.live ? ' (running now)' : orphaned ? ' (its process is gone)' : '';
      const head = `${s.id}  ${s.status}${state}${s.simulated ? '  simulated' : ''}  ${s.prompts.done}/${s.prompts.total} done${s.prompts.failed ? `, ${s.prompts.failed} failed` : ''}  spent ${usd(s.spentUsd)}${s.simulated ? ' (simulated, nothing billed)' : ''}`;
      const next = orphaned ? [`  finish with: gpuburst resume ${s.id}; or end it with: gpuburst down ${s.id}`] : [];
      return [head, ...machineLines(s), ...next].join('\n');
    })
    .join('\n');
}

function machineLines(s: SessionStatusRow): string[] {
  return s.machines.map((m) => `  ${m.provider} ${m.name}${m.id ? ` (${m.id})` : ''}: ${m.journalState}${m.providerStatus ? `, provider says ${m.providerStatus}` : ''}${m.notAsked ? `, provider not asked (${m.notAsked})` : ''}${m.note ? ` — ${m.note}` : ''}`);
}
