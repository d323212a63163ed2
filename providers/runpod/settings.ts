/**
 * RunPod settings (GPUBURST_RUNPOD_<NAME>), read once through the shared reader (../settings): a bad value is a
 * one-line BadInputError naming the variable.
 */
import type { ProviderConfig } from '../config';
import { readSettings, settings } from '../settings';
import { DEFAULT_CAPACITY_MATCH } from './mapping';

const DEFAULT_PROXY_URL = 'https://{podId}-{port}.proxy.runpod.net';

const SHAPE = {
  /** Endpoint template with {podId} and {port} (the simulator serves its proxy under its own URL). */
  PROXY_URL: settings.custom('expected an http(s) URL template with {podId}, e.g. https://{podId}-{port}.proxy.runpod.net', DEFAULT_PROXY_URL, (t) =>
    /^https?:\/\/\S+$/.test(t) && t.includes('{podId}') ? t : undefined,
  ),
  /** Retries of reads: enough for the usual mix of 429, 5xx, a reset and a slow answer in one read. */
  MAX_RETRIES: settings.number(5, { min: 0, max: 20, integer: true }),
  /** Wait before looking up a create that failed ambiguously. */
  CREATE_SETTLE_MS: settings.number(1000),
  /** Capacity wording in 400 details (docs/reference/runpod.md §7.1, §7.3). */
  CAPACITY_MATCH: settings.pattern(DEFAULT_CAPACITY_MATCH),
};

export interface RunpodSettings {
  baseUrl: string;
  apiKey: string;
  timeoutMs: number;
  proxyUrl: string;
  maxRetries: number;
  createSettleMs: number;
  capacityMatch: RegExp;
  log?: (line: string) => void;
}

export function runpodSettings(config: ProviderConfig): RunpodSettings {
  const s = readSettings('runpod', config.extra, SHAPE);
  return {
    baseUrl: config.baseUrl.replace(/\/+$/, ''),
    apiKey: config.apiKey,
    timeoutMs: config.timeoutMs ?? s.TIMEOUT_MS ?? 30_000,
    proxyUrl: s.PROXY_URL,
    maxRetries: s.MAX_RETRIES,
    createSettleMs: s.CREATE_SETTLE_MS,
    capacityMatch: s.CAPACITY_MATCH,
    log: config.log,
  };
}
