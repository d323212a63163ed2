/** Vast.ai: `createProvider(config)` for the registry in ../index.ts. */
import type { ProviderConfig } from '../config';
import type { Provider } from '../types';
import { VastProvider } from './adapter';
import { createVastApi } from './api';
import { translate } from './mapping';
import { settingsFromConfig } from './settings';

export function createProvider(config: ProviderConfig): Provider {
  const settings = settingsFromConfig(config);
  const api = createVastApi(settings, (f) => translate(f, settings.minIntervalSeconds));
  return new VastProvider(api, settings);
}
