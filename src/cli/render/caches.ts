/** Model caches as `cache list`, `status` and `sweep` print them: where, how big, what they bill a month. */
import type { ModelCache } from '../../../providers/types';
import { usd } from './format';

export function cacheLine(c: ModelCache): string {
  const size = c.sizeGb !== undefined ? `${c.sizeGb} GB` : `${((c.usedBytes ?? 0) / 2 ** 30).toFixed(1)} GiB used`;
  return `${c.provider} ${c.name} (${c.id}) ${c.region} ${size} ${usd(c.usdPerMonth)}/month${c.inUse ? ' in use' : ''}`;
}

/** Caches are kept on purpose, but they bill: `status` and `sweep` say so. Nothing when there are none. */
export function keptCacheLines(caches: ModelCache[]): string[] {
  if (caches.length === 0) return [];
  const total = caches.reduce((s, c) => s + c.usdPerMonth, 0);
  return [`model caches (kept on purpose; about ${usd(total)}/month until gpuburst cache delete):`, ...caches.map((c) => `  ${cacheLine(c)}`)];
}
