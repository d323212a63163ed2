/**
 * Provider registry: turns a provider name plus environment into a Provider. Adapters are loaded only when asked
 * for, so `gpuburst estimate` never pays for them. Base URLs and keys come from the environment (see README).
 */
import { AuthError } from './errors';
import { registerSecret } from './redact';
import { ProviderConfig, PROVIDER_ENV, settingsPrefix } from './config';
import { Capabilities, CloudProviderName, Provider, ProviderName } from './types';

export { PROVIDER_ENV };
export type { ProviderConfig } from './config';

/** True when the environment holds a key for this cloud. */
export function hasKey(name: CloudProviderName, env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env[PROVIDER_ENV[name].keyVar]?.trim());
}

/** Reads base URL and key from the environment. A missing key is an AuthError naming the variable. */
export function configFromEnv(name: CloudProviderName, env: NodeJS.ProcessEnv = process.env): ProviderConfig {
  const names = PROVIDER_ENV[name];
  const apiKey = env[names.keyVar]?.trim();
  if (!apiKey) throw new AuthError(`${name}: no API key; set ${names.keyVar}`, { provider: name });
  registerSecret(apiKey);
  const extra: Record<string, string | undefined> = {};
  const prefix = settingsPrefix(name);
  for (const [k, v] of Object.entries(env)) if (k.startsWith(prefix)) extra[k.slice(prefix.length)] = v;
  // GPUBURST_<CLOUD>_TIMEOUT_MS and the rest are read (and checked) by the adapter's settings.
  return { baseUrl: env[names.urlVar]?.trim() || names.defaultUrl, apiKey, extra };
}

type Factory = (config: ProviderConfig) => Provider;

/**
 * What a provider can do (stop, interruptible, how a machine ends itself, billing) without a key or a network call:
 * for plans and notes made before any adapter is configured. Loads the adapter module, like createProvider.
 */
export function capabilitiesOf(name: ProviderName): Capabilities {
  const folder = name === 'local' ? './local/adapter' : `./${name}/adapter`;
  return (require(folder) as { CAPABILITIES: Capabilities }).CAPABILITIES;
}

/** Loads one adapter module on demand. */
function factoryFor(name: ProviderName): Factory {
  switch (name) {
    case 'runpod':
      return require('./runpod').createProvider as Factory;
    case 'vast':
      return require('./vast').createProvider as Factory;
    case 'lambda':
      return require('./lambda').createProvider as Factory;
    case 'paperspace':
      return require('./paperspace').createProvider as Factory;
    case 'local':
      return require('./local').createProvider as Factory;
  }
}

export function createProvider(name: ProviderName, config: ProviderConfig): Provider {
  return factoryFor(name)(config);
}

/** A cloud adapter configured from the environment (throws AuthError when its key is missing). */
export function providerFromEnv(name: CloudProviderName, env: NodeJS.ProcessEnv = process.env, log?: (line: string) => void): Provider {
  return createProvider(name, { ...configFromEnv(name, env), log });
}

export * from './types';
export * from './errors';
