/**
 * Lambda filesystems as gpuburst model caches (docs/reference/lambda.md §3 `file_system_names`, §6 billing; the
 * OpenAPI's /file-systems and /filesystems paths). A filesystem lives in one region, is attached only at launch in
 * that region, is mounted on the VM at /lambda/nfs/<name>, and bills per GiB stored for as long as it exists.
 */
import { cacheUsdPerMonth, CACHE_STORAGE } from '../billing';
import { BadInputError } from '../errors';
import type { Capabilities, ModelCache } from '../types';
import type { LambdaFilesystem } from './api';

export const CACHE_CAPABILITY: Capabilities['modelCache'] = {
  supported: true,
  reason: 'Lambda filesystems outlive instances; an instance using one is launched in the filesystem\'s region.',
  usdPerGbMonth: CACHE_STORAGE.lambda!.usdPerGbMonth,
  billedOn: 'used',
  whereExample: 'a region such as us-east-1',
};

/** `FilesystemCreateRequest.name`: 1–60 characters, a letter first, then letters, digits and dashes. */
const NAME = /^[a-zA-Z]+[0-9a-zA-Z-]*$/;

export function toCache(f: LambdaFilesystem): ModelCache {
  const gib = (f.bytes_used ?? 0) / CACHE_STORAGE.lambda!.bytesPerGb;
  return {
    provider: 'lambda',
    id: f.id,
    name: f.name,
    region: f.region.name,
    usedBytes: f.bytes_used,
    mountPath: f.mount_point,
    inUse: f.is_in_use,
    usdPerMonth: cacheUsdPerMonth('lambda', gib),
  };
}

export function filesystemBody(name: string, region: string): { name: string; region: string } {
  if (name.length > 60 || !NAME.test(name)) {
    throw new BadInputError(`lambda: cache name "${name}"; accepted: 1–60 characters, a letter first, then letters, digits and dashes`, { provider: 'lambda' });
  }
  if (!region.trim()) throw new BadInputError('lambda: a cache needs a region such as us-east-1', { provider: 'lambda' });
  return { name, region };
}
