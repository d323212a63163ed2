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
