/**
 * `createProvider(config)` for Lambda Cloud. Extras (environment `GPUBURST_LAMBDA_<NAME>`), all optional:
 * - MIN_INTERVAL_MS (1000): Lambda's limit between any two API requests — 1 request/s (lambda.md §7)
 * - LAUNCH_INTERVAL_MS (12000): Lambda's limit between launches — 1 per 12 s
 *   (the client spaces requests 10% wider than these limits)
 * - MAX_RETRIES (5), RETRY_BASE_DELAY_MS (500): retries of reads and terminates on 429/5xx/network errors
 * - COMFY_PORT (8188): the port ComfyUI is published on and the firewall opens
 * - ALLOW_CIDR (0.0.0.0/0): comma-separated source networks allowed to reach that port; the image's token proxy
 *   gates every request, so "anyone" reaches only a login refusal
 * - NO_FIREWALL_REGIONS (us-south-1): regions where firewall rules do not apply, so no ruleset is attached
 * - SSH_KEY_NAME (gpuburst): the account SSH key every launch names; created when missing
 * - SSH_PUBLIC_KEY: register this public key instead of letting Lambda generate a pair
 * - IMAGE_FAMILY: VM image family (default: Lambda's latest Lambda Stack)
 * - CREATE_SETTLE_MS (1000): wait before looking a machine up after an ambiguous launch failure
 */
import { BadInputError } from '../errors';
import type { ProviderConfig } from '../config';
import { LambdaProvider } from './adapter';
import { LambdaApi } from './api';
import { parseCidrs, Prerequisites } from './prerequisites';

export function createProvider(config: ProviderConfig): LambdaProvider {
  const extra = config.extra;
  const api = new LambdaApi({
    baseUrl: config.baseUrl,
    apiKey: config.apiKey,
    timeoutMs: config.timeoutMs,
    minIntervalMs: numberExtra(extra, 'MIN_INTERVAL_MS', 1000),
    launchIntervalMs: numberExtra(extra, 'LAUNCH_INTERVAL_MS', 12_000),
    maxRetries: numberExtra(extra, 'MAX_RETRIES', 5),
    retryBaseDelayMs: numberExtra(extra, 'RETRY_BASE_DELAY_MS', 500),
    log: config.log,
  });
  const comfyPort = numberExtra(extra, 'COMFY_PORT', 8188);
  if (comfyPort < 1 || comfyPort > 65535) throw new BadInputError(`lambda: GPUBURST_LAMBDA_COMFY_PORT ${comfyPort} is not a TCP port`, { provider: 'lambda' });
  const prereq = new Prerequisites(api, {
    sshKeyName: extra.SSH_KEY_NAME?.trim() || 'gpuburst',
    sshPublicKey: extra.SSH_PUBLIC_KEY?.trim() || undefined,
    comfyPort,
    allowCidrs: parseCidrs(extra.ALLOW_CIDR ?? '0.0.0.0/0'),
    noFirewallRegions: new Set((extra.NO_FIREWALL_REGIONS ?? 'us-south-1').split(',').map((r) => r.trim()).filter(Boolean)),
  });
  return new LambdaProvider(api, prereq, {
    comfyPort,
    imageFamily: extra.IMAGE_FAMILY?.trim() || undefined,
    createSettleMs: numberExtra(extra, 'CREATE_SETTLE_MS', 1000),
    apiBaseUrl: config.baseUrl.replace(/\/+$/, ''),
    log: config.log,
  });
}

function numberExtra(extra: ProviderConfig['extra'], key: string, fallback: number): number {
  const raw = extra[key]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new BadInputError(`lambda: GPUBURST_LAMBDA_${key} "${raw}" is not a non-negative number`, { provider: 'lambda' });
  return n;
}
