/** Paperspace (DigitalOcean) Core machines, v1 API. See ./adapter; facts from the shared reference paperspace.md. */
import type { ProviderConfig } from '../config';
import type { Provider } from '../types';
import { PaperspaceProvider } from './adapter';

export { PaperspaceProvider };

export function createProvider(config: ProviderConfig): Provider {
  return new PaperspaceProvider(config);
}
