/**
 * `gpuburst cache list [--provider X]` and `gpuburst cache delete <name> --provider X [--yes]`: the model caches a
 * session keeps models on (RunPod network volumes, Lambda filesystems). They bill every month until deleted, and
 * only this command deletes them; it refuses while a session's machine may still mount one.
 */
import type { Command } from 'commander';
import { AuthError, BadInputError } from '../../../providers/errors';
import { hasKey, PROVIDER_ENV } from '../../../providers/index';
import { CLOUD_PROVIDERS, CloudProviderName } from '../../../providers/types';
import type { CliContext, CommandResult } from '../context';
import { EXIT } from '../exit-codes';
import { cacheLine as line } from '../render/caches';
import { confirmOnTty } from '../session-runtime';

export function define(cmd: Command): void {
  cmd
    .argument('<action>', 'list or delete')
    .argument('[name]', 'with delete: the cache name (or id)')
    .option('--provider <name>', `${CLOUD_PROVIDERS.join(', ')} (list: default every cloud with a key; delete: required)`)
    .option('--yes', 'delete without asking')
    .option('--json', 'print the caches as JSON');
}

export async function run(args: unknown[], opts: Record<string, unknown>, ctx: CliContext): Promise<CommandResult> {
  // Every input is checked before a key is asked for: a typo is named as a typo, not as a missing key.
  const action = String(args[0]);
  if (action !== 'list' && action !== 'delete') throw new BadInputError(`cache: "${action}" is not accepted; accepted: list, delete`);
  const provider = opts.provider === undefined ? undefined : cloud(String(opts.provider));
  if (action === 'delete') {
    if (!provider) throw new BadInputError(`cache delete: --provider is missing; accepted: ${CLOUD_PROVIDERS.join(', ')}`);
    if (typeof args[1] !== 'string' || !args[1].trim()) throw new BadInputError('cache delete: the cache name is missing (gpuburst cache list shows them)');
  }
  if (provider && !hasKey(provider, ctx.env)) throw new AuthError(`${provider}: no API key; set ${PROVIDER_ENV[provider].keyVar}`, { provider });
  if (action === 'list') {
    const { listAllCaches } = await import('../../session/cache-admin');
    const r = await listAllCaches({ env: ctx.env, provider });
    const answered = r.asked.filter((c) => !r.errors.some((e) => e.provider === c));
    const none = r.asked.length === 0 ? [`no cloud with model caches has a key here: set ${r.supported.map((c) => PROVIDER_ENV[c].keyVar).join(' or ')}`] : answered.length ? [`no model cache found at ${answered.join(', ')}`] : [];
    const text = () => [...(r.caches.length ? r.caches.map(line) : none), ...r.errors.map((e) => `${e.message} (${e.code})`)].join('\n');
    return { data: r, text, exitCode: r.errors.length ? EXIT.problems : EXIT.ok };
  }
  const name = (args[1] as string).trim();
  if (!opts.yes) {
    if (!ctx.isTTY) throw new BadInputError('refusing to delete a cache without confirmation: pass --yes (nothing was deleted)');
    if (!(await confirmOnTty(ctx, `Delete cache ${name} at ${provider} and every model on it? [y/N] `))) throw new BadInputError('cancelled: nothing was deleted');
  }
  const { deleteNamedCache } = await import('../../session/cache-admin');
  const deleted = await deleteNamedCache({ cwd: ctx.cwd, env: ctx.env, provider: provider!, name });
  return { data: { deleted }, text: () => `deleted ${deleted.provider} cache ${deleted.name} (${deleted.id}) in ${deleted.region}` };
}

function cloud(name: string): CloudProviderName {
  if (!(CLOUD_PROVIDERS as readonly string[]).includes(name)) throw new BadInputError(`--provider: "${name}" is not accepted; accepted: ${CLOUD_PROVIDERS.join(', ')}`);
  return name as CloudProviderName;
}
