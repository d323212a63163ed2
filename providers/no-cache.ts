/**
 * The model-cache half of the contract for a provider that has none (Vast, Paperspace, local): every call is refused
 * with the reason its capabilities give, so `gpuburst cache` and `--cache` say why (docs/models.md "Model cache").
 */
import { UnsupportedError } from './errors';
import type { Capabilities, Provider, ProviderName } from './types';

export function withoutModelCache(provider: ProviderName, capabilities: Capabilities): Pick<Provider, 'listCaches' | 'createCache' | 'deleteCache'> {
  const refuse = () => Promise.reject(new UnsupportedError(`${provider}: no model cache: ${capabilities.modelCache.reason}`, { provider }));
  return { listCaches: refuse, createCache: refuse, deleteCache: refuse };
}
