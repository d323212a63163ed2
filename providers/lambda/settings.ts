/**
 * Lambda settings (GPUBURST_LAMBDA_<NAME>), all optional, read once through the shared reader (../settings):
 * - MIN_INTERVAL_MS (1000), LAUNCH_INTERVAL_MS (12000): Lambda's limits, 1 request/s and 1 launch per 12 s
 *   (docs/reference/lambda.md §7); the client spaces requests 10% wider
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
import type { ProviderConfig } from '../config';
import { readSettings, settings } from '../settings';

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(\/(\d{1,2}))?$/;

/** Comma-separated IPv4 networks ("0.0.0.0/0", "203.0.113.7/32", a bare IP means /32); undefined if one is not. */
function parseCidrs(value: string): string[] | undefined {
  const cidrs = value.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = cidrs.some((c) => {
    const m = CIDR.exec(c);
    return !m || m.slice(1, 5).some((o) => Number(o) > 255) || (m[6] !== undefined && Number(m[6]) > 32);
  });
  return bad || cidrs.length === 0 ? undefined : cidrs;
}

const SHAPE = {
  MIN_INTERVAL_MS: settings.number(1000),
  LAUNCH_INTERVAL_MS: settings.number(12_000),
  MAX_RETRIES: settings.number(5, { min: 0, max: 20, integer: true }),
  RETRY_BASE_DELAY_MS: settings.number(500),
  COMFY_PORT: settings.number(8188, { min: 1, max: 65535, integer: true }),
  ALLOW_CIDR: settings.custom('expected IPv4 networks such as 0.0.0.0/0 or 203.0.113.7/32, comma-separated', ['0.0.0.0/0'], parseCidrs),
  NO_FIREWALL_REGIONS: settings.list(['us-south-1']),
  SSH_KEY_NAME: settings.text('gpuburst'),
  SSH_PUBLIC_KEY: settings.text(undefined),
  IMAGE_FAMILY: settings.text(undefined),
  CREATE_SETTLE_MS: settings.number(1000),
};

export interface LambdaSettings {
  apiBaseUrl: string;
  apiKey: string;
  timeoutMs?: number;
  minIntervalMs: number;
  launchIntervalMs: number;
  maxRetries: number;
  retryBaseDelayMs: number;
  /** Port ComfyUI is published on (8188 on real VMs; configurable for simulators where 8188 is taken). */
  comfyPort: number;
  allowCidrs: string[];
  noFirewallRegions: Set<string>;
  sshKeyName: string;
  sshPublicKey?: string;
  /** Image family for the VM; undefined = Lambda's default (latest Lambda Stack). */
  imageFamily?: string;
  createSettleMs: number;
  log?: (line: string) => void;
}

export function lambdaSettings(config: ProviderConfig): LambdaSettings {
  const s = readSettings('lambda', config.extra, SHAPE);
  return {
    apiBaseUrl: config.baseUrl.replace(/\/+$/, ''),
    apiKey: config.apiKey,
    timeoutMs: config.timeoutMs ?? s.TIMEOUT_MS,
    minIntervalMs: s.MIN_INTERVAL_MS,
    launchIntervalMs: s.LAUNCH_INTERVAL_MS,
    maxRetries: s.MAX_RETRIES,
    retryBaseDelayMs: s.RETRY_BASE_DELAY_MS,
    comfyPort: s.COMFY_PORT,
    allowCidrs: s.ALLOW_CIDR,
    noFirewallRegions: new Set(s.NO_FIREWALL_REGIONS),
    sshKeyName: s.SSH_KEY_NAME,
    sshPublicKey: s.SSH_PUBLIC_KEY,
    imageFamily: s.IMAGE_FAMILY,
    createSettleMs: s.CREATE_SETTLE_MS,
    log: config.log,
  };
}
