/**
 * The user's model caches across providers (`gpuburst cache`, `status`, `sweep`): listed with what they bill a month,
 * and deleted only on request, never while a session of this user still has a machine up with it.
 */
import { BadInputError, GpuburstError, NotFoundError, ProviderError } from '../../providers/errors';
import { capabilitiesOf, hasKey } from '../../providers/index';
import { CLOUD_PROVIDERS, CloudProviderName, ModelCache } from '../../providers/types';
import { readSession } from './journal';
import { allSessions } from './state-dir';
import { ProviderPool } from './pool';

export interface CacheListing {
  caches: ModelCache[];
  errors: { provider: string; code: string; message: string }[];
  /** The clouds asked (those with a key and a cache capability, or the one named). */
  asked: CloudProviderName[];
  /** The clouds whose adapters keep a model cache at all. */
  supported: CloudProviderName[];
}

/** Caches at `provider` (its refusal is thrown), or at every cloud with a key that has caches (errors collected). */
export async function listAllCaches(o: { env: NodeJS.ProcessEnv; provider?: CloudProviderName; signal?: AbortSignal }): Promise<CacheListing> {
  const pool = new ProviderPool(o.env);
  const supported = CLOUD_PROVIDERS.filter((c) => capabilitiesOf(c).modelCache.supported);
  if (o.provider) return { caches: await pool.get(o.provider).listCaches({ signal: o.signal }), errors: [], asked: [o.provider], supported };
  const clouds = supported.filter((c) => hasKey(c, o.env));
  const out: CacheListing = { caches: [], errors: [], asked: clouds, supported };
  await Promise.all(
    clouds.map(async (c) => {
      try {
        out.caches.push(...(await pool.get(c).listCaches({ signal: o.signal })));
      } catch (err) {
        out.errors.push({ provider: c, code: (err as GpuburstError).code ?? 'ERR_PROVIDER', message: (err as Error).message });
      }
    }),
  );
  return out;
}

/** Deletes the cache named (or with the id) `name` at `provider`; refused while a session's machine may mount it. */
export async function deleteNamedCache(o: { cwd: string; env: NodeJS.ProcessEnv; provider: CloudProviderName; name: string; signal?: AbortSignal }): Promise<ModelCache> {
  const adapter = new ProviderPool(o.env).get(o.provider);
  const all = await adapter.listCaches({ signal: o.signal });
  const named = all.filter((c) => c.name === o.name || c.id === o.name);
  if (named.length === 0) throw new NotFoundError(`${o.provider}: no cache named ${o.name} (gpuburst cache list --provider ${o.provider} lists them)`, { provider: o.provider });
  if (named.length > 1) throw new BadInputError(`${o.provider}: ${named.length} caches named ${o.name} (${named.map((c) => c.id).join(', ')}); delete one by its id`);
  const cache = named[0];
  const users = sessionsUsing(o.cwd, o.env, o.provider, cache.name);
  if (cache.inUse || users.length) {
    const by = users.length ? ` by session ${users.join(', ')} (gpuburst down <session> ends its machines)` : ' by a machine';
    throw new ProviderError(`${o.provider}: cache ${cache.name} is in use${by}; nothing was deleted`, { provider: o.provider });
  }
  await adapter.deleteCache({ id: cache.id, signal: o.signal });
  return cache;
}

/** Sessions (this folder's and the user's) asking for this cache whose machines are not all ended. */
function sessionsUsing(cwd: string, env: NodeJS.ProcessEnv, provider: CloudProviderName, name: string): string[] {
  const open = new Set(['intended', 'created', 'ready', 'stopped']);
  return allSessions(cwd, env)
    .map(readSession)
    .filter((s) => s.journal?.request.cache === name && s.journal.request.provider === provider && s.journal.machines.some((m) => open.has(m.state)))
    .map((s) => s.location.id);
}
