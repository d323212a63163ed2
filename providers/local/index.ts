/** The `local` target: ComfyUI servers the user already runs (see ./adapter). */
import type { ProviderConfig } from '../config';
import { LocalProvider } from './adapter';
import { localSettings } from './settings';

/** @public (providers/index.ts requires it by name). */
export function createProvider(config: ProviderConfig): LocalProvider {
  const s = localSettings(config);
  return new LocalProvider(s.urls, s.timeoutMs);
}
