/** Paperspace (DigitalOcean) Core machines, v1 API. See ./adapter; facts from the shared reference docs/reference/paperspace.md. */
import type { ProviderConfig } from '../config';
import { PaperspaceProvider } from './adapter';
import { readPaperspaceSettings } from './settings';

export { PaperspaceProvider };

export function createProvider(config: ProviderConfig): PaperspaceProvider {
  return new PaperspaceProvider(readPaperspaceSettings(config));
}
