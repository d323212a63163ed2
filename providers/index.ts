/**
 * Provider registry: turns a provider name plus environment into a Provider. Adapters are loaded only when asked
 * for, so `gpuburst estimate` never pays for them. Base URLs and keys come from the environment (see README).
 */
import { AuthError, BadInputError } from './errors';
import { registerSecret } from './redact';
import { CLOUD_PROVIDERS, CloudProviderName, Provider, ProviderName } from './types';

export interface ProviderConfig {
  /** API base the adapter appends its paths to. */
  baseUrl: string;
  apiKey: string;
  /** Provider-specific extras (RunPod proxy URL template, local ComfyUI URLs, timeouts). */
  extra: Record<string, string | undefined>;
  log?: (line: string) => void;
  timeoutMs?: number;
}

export interface ProviderEnvNames {
  urlVar: string;
  keyVar: string;
  defaultUrl: string;
}

export const PROVIDER_ENV: Record<CloudProviderName, ProviderEnvNames> = {
  runpod: { urlVar: 'GPUBURST_RUNPOD_API_URL', keyVar: 'RUNPOD_API_KEY', defaultUrl: 'https://api.runpod.io' },
  vast: { urlVar: 'GPUBURST_VAST_API_URL', keyVar: 'VAST_API_KEY', defaultUrl: 'https://console.vast.ai/api/v0' },
  lambda: { urlVar: 'GPUBURST_LAMBDA_API_URL', keyVar: 'LAMBDA_API_KEY', defaultUrl: 'https://cloud.lambda.ai/api/v1' },
  paperspace: { urlVar: 'GPUBURST_PAPERSPACE_API_URL', keyVar: 'PAPERSPACE_API_KEY', defaultUrl: 'https://api.paperspace.com/v1' },
};

export function isProviderName(x: string): x is ProviderName {
  return x === 'local' || (CLOUD_PROVIDERS as readonly string[]).includes(x);
}

export function parseProviderName(x: string): ProviderName {
  if (isProviderName(x)) return x;
  throw new BadInputError(`unknown provider "${x}"; accepted: ${[...CLOUD_PROVIDERS, 'local'].join(', ')}`);
}

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
  const prefix = `GPUBURST_${name.toUpperCase()}_`;
  for (const [k, v] of Object.entries(env)) if (k.startsWith(prefix)) extra[k.slice(prefix.length)] = v;
  // GPUBURST_<CLOUD>_TIMEOUT_MS: the per-request timeout, for every adapter (a simulator's timeout faults need it short).
  const timeoutMs = Number(extra.TIMEOUT_MS);
  return { baseUrl: env[names.urlVar]?.trim() || names.defaultUrl, apiKey, extra, timeoutMs: timeoutMs > 0 ? timeoutMs : undefined };
}

type Factory = (config: ProviderConfig) => Provider;

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
