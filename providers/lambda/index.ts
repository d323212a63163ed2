/** `createProvider(config)` for Lambda Cloud; settings in ./settings, quirks in ./adapter. */
import type { ProviderConfig } from '../config';
import { LambdaProvider } from './adapter';
import { LambdaApi } from './api';
import { Prerequisites } from './prerequisites';
import { lambdaSettings } from './settings';

export function createProvider(config: ProviderConfig): LambdaProvider {
  const s = lambdaSettings(config);
  const api = new LambdaApi({
    baseUrl: s.apiBaseUrl,
    apiKey: s.apiKey,
    timeoutMs: s.timeoutMs,
    minIntervalMs: s.minIntervalMs,
    launchIntervalMs: s.launchIntervalMs,
    maxRetries: s.maxRetries,
    retryBaseDelayMs: s.retryBaseDelayMs,
    log: s.log,
  });
  const prereq = new Prerequisites(api, s);
  return new LambdaProvider(api, prereq, s);
}
