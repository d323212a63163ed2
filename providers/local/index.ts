import type { ProviderConfig } from '../config';
import { LocalProvider } from './adapter';

/** `config.extra.COMFY_URLS`: comma-separated ComfyUI base URLs (from --comfy-url or GPUBURST_LOCAL_COMFY_URLS). */
export function createProvider(config: ProviderConfig): LocalProvider {
  const urls = (config.extra.COMFY_URLS ?? '').split(',').map((u) => u.trim().replace(/\/+$/, '')).filter(Boolean);
  return new LocalProvider(urls, config.timeoutMs);
}
