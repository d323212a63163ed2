/** Settings of the `local` target (GPUBURST_LOCAL_<NAME>), read through the shared reader (../settings). */
import type { ProviderConfig } from '../config';
import { readSettings, settings } from '../settings';

const SHAPE = {
  /** Comma-separated ComfyUI base URLs (from --comfy-url or GPUBURST_LOCAL_COMFY_URLS). */
  COMFY_URLS: settings.list([] as string[]),
};

export interface LocalSettings {
  urls: string[];
  timeoutMs: number;
}

export function localSettings(config: ProviderConfig): LocalSettings {
  const s = readSettings('local', config.extra, SHAPE);
  return { urls: s.COMFY_URLS.map((u) => u.replace(/\/+$/, '')), timeoutMs: config.timeoutMs ?? s.TIMEOUT_MS ?? 5000 };
}

/**
 * Deadline of each wait on the user's own ComfyUI before a run or a `workflow … --server` check (readiness, node
 * list): the same GPUBURST_LOCAL_TIMEOUT_MS, checked the same way, default 30 s (the adapter's own requests: 5 s).
 */
export function localComfyTimeoutMs(env: NodeJS.ProcessEnv): number {
  return readSettings('local', { TIMEOUT_MS: env.GPUBURST_LOCAL_TIMEOUT_MS }, {}).TIMEOUT_MS ?? 30_000;
}
