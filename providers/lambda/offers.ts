/**
 * Offers from `GET /instance-types` (docs/reference/lambda.md §2): one per instance type and region with capacity; a type sold out
 * everywhere is still listed (not available) so estimates can show its price. An offerId is `<type>:<region>`, or
 * `<type>` alone for a sold-out type (create then takes the first region with capacity).
 */
import type { Offer } from '../types';
import type { LambdaInstanceTypeItem } from './api';
import { gpuInfo } from './mapping';

export function offersOf(name: string, item: LambdaInstanceTypeItem): Offer[] {
  const t = item.instance_type;
  const gpu = gpuInfo(name, t?.gpu_description, t?.specs?.gpus);
  if (!gpu || !t) return [];
  const base = { provider: 'lambda' as const, ...gpu, usdPerHour: t.price_cents_per_hour / 100, interruptible: false, live: true };
  const regions = item.regions_with_capacity_available ?? [];
  if (regions.length === 0) return [{ ...base, offerId: name, region: '', available: false }];
  return regions.map((r) => ({ ...base, offerId: `${name}:${r.name}`, region: r.name, available: true }));
}

export function parseOfferId(offerId: string): { type: string; region?: string } | undefined {
  const [type, region, ...rest] = offerId.split(':');
  if (!/^[a-z0-9_]+$/.test(type ?? '') || rest.length > 0) return undefined;
  return { type, region: region || undefined };
}
