/** RunPod (REST v2; GraphQL only for spot prices). The quirks are listed in ./adapter, with docs/reference/runpod.md sections. */
import type { ProviderConfig } from '../config';
import type { Provider } from '../types';
import { RunpodProvider } from './adapter';
import { runpodSettings } from './settings';

export function createProvider(config: ProviderConfig): Provider {
  return new RunpodProvider(runpodSettings(config));
}
