/**
 * The session's model cache (`cache:` / `--cache`): found or planned before anything is rented, created just before
 * the first machine (journaled before the request is sent, like every create), attached to every machine, and never
 * deleted by a session, teardown or sweep: it is the user's, until `gpuburst cache delete`.
 */
import { cacheUsdPerMonth, CACHE_STORAGE } from '../../providers/billing';
import { BadInputError, UnsupportedError } from '../../providers/errors';
import type { CacheMount, CloudProviderName, ModelCache, Provider } from '../../providers/types';
import type { Emit } from './events';
import type { Journal } from './journal';
import type { CacheRecord } from './journal-format';
import { cacheCost } from '../estimate/cache';
import { formatDuration } from '../estimate/duration';
import { formatUsd } from '../estimate/money';

export interface PlannedCache {
  provider: CloudProviderName;
  name: string;
  region: string;
  /** The cache as listed, when it exists already. */
  existing?: ModelCache;
  /** What a new RunPod volume gets: the models' size with room to spare (Lambda bills what is stored). */
  sizeGb: number;
  /** What it bills a month once the batch's models are on it. */
  usdPerMonth: number;
  /** The size asked for at create is billed (say it), or the bytes stored. */
  billedOn: 'allocated' | 'used';
}

/** Room for the batch's models: 25% and 5 GB above their stated sizes, at least RunPod's 10 GB floor. */
function cacheSizeGb(modelBytes: number): number {
  return Math.max(10, Math.ceil((modelBytes * 1.25) / 1e9 + 5));
}

export async function planCache(o: { provider: CloudProviderName; adapter: Provider; name: string; region?: string; modelBytes: number; signal?: AbortSignal }): Promise<PlannedCache> {
  const caps = o.adapter.capabilities().modelCache;
  if (!caps.supported) throw new UnsupportedError(`${o.provider}: no model cache: ${caps.reason}`, { provider: o.provider });
  const named = (await o.adapter.listCaches({ signal: o.signal })).filter((c) => c.name === o.name);
  if (named.length > 1) throw new BadInputError(`cache ${o.name}: ${named.length} caches of that name at ${o.provider} (${named.map((c) => `${c.id} in ${c.region}`).join(', ')}); delete or rename one`);
  const existing = named[0];
  const sizeGb = cacheSizeGb(o.modelBytes);
  const rule = CACHE_STORAGE[o.provider]!;
  const modelsGb = o.modelBytes / rule.bytesPerGb;
  if (existing) {
    if (o.region !== undefined && o.region !== existing.region) {
      throw new BadInputError(`--cache-region ${o.region}: cache ${o.name} exists at ${o.provider} in ${existing.region}; leave the region out or name that one`);
    }
    // Every model goes onto the cache: a volume too small would fail the downloads after the machines are paid for.
    if (existing.sizeGb !== undefined && existing.sizeGb < modelsGb) {
      throw new BadInputError(`--cache ${o.name}: it holds ${existing.sizeGb} GB at ${o.provider}; the batch's models take ${modelsGb.toFixed(1)} GB. Grow it in the provider's console or name another cache (nothing was rented)`);
    }
    const usdPerMonth = rule.billedOn === 'allocated' ? existing.usdPerMonth : Math.max(existing.usdPerMonth, cacheUsdPerMonth(o.provider, modelsGb));
    return { provider: o.provider, name: o.name, region: existing.region, existing, sizeGb: existing.sizeGb ?? sizeGb, usdPerMonth, billedOn: rule.billedOn };
  }
  if (o.region === undefined) {
    throw new BadInputError(`--cache ${o.name}: no cache of that name at ${o.provider} yet; say where to create it with --cache-region (${caps.whereExample ?? 'where the provider keeps it'})`);
  }
  const usdPerMonth = cacheUsdPerMonth(o.provider, rule.billedOn === 'allocated' ? sizeGb : modelsGb);
  return { provider: o.provider, name: o.name, region: o.region, sizeGb, usdPerMonth, billedOn: rule.billedOn };
}

/** The cache the machines mount: the existing one, or one created now (journaled first). */
export async function ensureCache(c: PlannedCache, adapter: Provider, journal: Journal, emit: Emit): Promise<CacheMount> {
  if (c.existing) return mountOf(c.existing);
  const record: CacheRecord = { provider: c.provider, name: c.name, region: c.region, state: 'intended', at: new Date().toISOString() };
  journal.now((d) => (d.cache = record));
  // No abort signal, as for machines: a create that was sent must finish, or a billing volume could go unnoticed.
  const made = await adapter.createCache({ name: c.name, region: c.region, sizeGb: c.sizeGb });
  journal.now(() => Object.assign(record, { id: made.id, state: 'created' }));
  c.existing = made;
  emit({ type: 'log', level: 'info', message: `created cache ${c.name} at ${c.provider} in ${c.region}; it bills about ${formatUsd(c.usdPerMonth)}/month until you run: gpuburst cache delete ${c.name} --provider ${c.provider}` });
  return mountOf(made);
}

function mountOf(c: ModelCache): CacheMount {
  return { id: c.id, name: c.name, region: c.region, mountPath: c.mountPath };
}

/** What the plan says about the cache: where machines go, its storage beside the session's cost, the saving later. */
export function cacheNotes(c: PlannedCache, row: { overhead: { modelDownloadSeconds: number }; totalSeconds: number; usdPerHour: number }, pods: number): string[] {
  const cost = cacheCost({ usdPerMonth: c.usdPerMonth, sessionSeconds: row.totalSeconds, downloadSeconds: row.overhead.modelDownloadSeconds, usdPerHour: row.usdPerHour, pods });
  const what = c.existing ? `cache ${c.name} (${c.provider} ${c.region})` : `cache ${c.name} (new: created at ${c.provider} in ${c.region}${c.billedOn === 'allocated' ? `, ${c.sizeGb} GB` : ''})`;
  return [
    `${what}: offers limited to ${c.region}; the machines keep their models on it.`,
    `${what}: storage ≈ ${formatUsd(cost.sessionUsd)} during this session, ${formatUsd(cost.usdPerMonth)}/month until you delete it (gpuburst cache delete ${c.name} --provider ${c.provider}).`,
    `${what}: a session whose models are already on it skips ~${formatDuration(cost.savedDownloadSeconds)} of model download per machine (≈ ${formatUsd(cost.savedUsd)} here).`,
  ];
}
