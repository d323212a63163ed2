/**
 * The providers a session talks to, created once each from the environment. A cloud without a key is an
 * AuthError naming the variable; `local` takes the ComfyUI URLs the user gave.
 */
import { createProvider, PROVIDER_ENV, providerFromEnv } from '../../providers';
import type { CloudProviderName, Provider, ProviderName } from '../../providers/types';

export class ProviderPool {
  private readonly cache = new Map<ProviderName, Provider>();

  constructor(private readonly env: NodeJS.ProcessEnv, private readonly comfyUrls: string[] = [], private readonly log?: (line: string) => void) {}

  get(name: ProviderName): Provider {
    let p = this.cache.get(name);
    if (!p) {
      p =
        name === 'local'
          ? createProvider('local', { baseUrl: '', apiKey: '', extra: { COMFY_URLS: this.comfyUrls.join(',') }, log: this.log })
          : providerFromEnv(name as CloudProviderName, this.env, this.log);
      this.cache.set(name, p);
    }
    return p;
  }

  /** The account key of a cloud, for handing to its machines' agent (only with the user's consent). */
  accountKey(name: CloudProviderName): string | undefined {
    return this.env[PROVIDER_ENV[name].keyVar]?.trim() || undefined;
  }
}
