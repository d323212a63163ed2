/**
 * What every adapter is built from, and which environment variables feed it. Imports nothing but types, so provider
 * folders read it without reaching the registry (providers/index.ts), which loads them: no import loop.
 */
import type { CloudProviderName } from './types';

export interface ProviderConfig {
  /** API base the adapter appends its paths to. */
  baseUrl: string;
  apiKey: string;
  /**
   * The provider's settings, `GPUBURST_<CLOUD>_<NAME>` without the prefix (RunPod proxy URL template, local ComfyUI
   * URLs, timeouts). Each adapter reads them once through providers/settings.ts; a bad value is a BadInputError.
   */
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

/** Prefix of a provider's settings variables: GPUBURST_RUNPOD_, GPUBURST_LOCAL_. */
export function settingsPrefix(provider: string): string {
  return `GPUBURST_${provider.toUpperCase()}_`;
}
