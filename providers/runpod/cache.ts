/**
 * RunPod network volumes as gpuburst model caches (docs/reference/runpod.md §3.1 `mounts`, §6; v2 `/v2/network-volumes`).
 * A volume lives in one data center, and a pod mounting it must be placed there. It is mounted at its own path, not
 * /workspace: the ai-dock image syncs its whole install into a volume at /workspace first, which "can take a long
 * time" (machines-and-user-needs.md §2.4), and the agent needs only a folder for models.
 */
import { cacheUsdPerMonth, CACHE_STORAGE } from '../billing';
import { BadInputError } from '../errors';
import type { Capabilities, ModelCache } from '../types';
import type { NetworkVolume } from './api';

const CACHE_MOUNT_PATH = '/gpuburst-cache';
/** `CreateNetworkVolumeRequest.size`: 10 to 4096 GB. */
const VOLUME_MIN_GB = 10;
const VOLUME_MAX_GB = 4096;

export const CACHE_CAPABILITY: Capabilities['modelCache'] = {
  supported: true,
  reason: 'RunPod network volumes outlive pods; a pod using one is placed in the volume\'s data center.',
  usdPerGbMonth: CACHE_STORAGE.runpod!.usdPerGbMonth,
  billedOn: 'allocated',
  whereExample: 'a data center such as EU-RO-1',
};

export function toCache(v: NetworkVolume): ModelCache {
  return { provider: 'runpod', id: v.id, name: v.name, region: v.dataCenter, sizeGb: v.size, mountPath: CACHE_MOUNT_PATH, usdPerMonth: cacheUsdPerMonth('runpod', v.size) };
}

export function volumeBody(name: string, region: string, sizeGb: number): { name: string; size: number; dataCenter: string } {
  if (!name.trim()) throw new BadInputError('runpod: a cache needs a name', { provider: 'runpod' });
  if (!region.trim()) throw new BadInputError('runpod: a cache needs a data center id such as EU-RO-1', { provider: 'runpod' });
  const size = Math.max(VOLUME_MIN_GB, Math.ceil(sizeGb));
  if (size > VOLUME_MAX_GB) throw new BadInputError(`runpod: cache size ${size} GB; a network volume holds ${VOLUME_MIN_GB} to ${VOLUME_MAX_GB} GB`, { provider: 'runpod' });
  return { name, size, dataCenter: region };
}
