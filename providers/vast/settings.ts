/**
 * Everything about Vast that can change without a code change: URLs, per-endpoint pacing, offer filters,
 * retry counts. Read once from `ProviderConfig` (GPUBURST_VAST_* variables arrive in `config.extra` without
 * the prefix). Reference: ../../../shared/reference/vast.md §1, §2, §7.
 */
import { BadInputError } from '../errors';
import type { ProviderConfig } from '../config';

/** The endpoints Vast rate-limits separately ("per endpoint and per identity", vast.md §7). */
export type VastEndpoint = 'search' | 'create' | 'show' | 'manage' | 'destroy' | 'list';

/**
 * Minimum seconds between two calls of one endpoint, from the specs' `x-rate-limit` (vast.md §7; search is
 * "10 per minute", list is `show_instances.yaml` threshold 1.0). Vast sends no Retry-After, so we pace ourselves.
 */
export const DEFAULT_MIN_INTERVAL_SECONDS: Record<VastEndpoint, number> = {
  search: 6,
  create: 4.5,
  show: 2,
  manage: 1,
  destroy: 3,
  list: 1,
};

export interface VastSettings {
  /** v0 base, e.g. https://console.vast.ai/api/v0. */
  v0Url: string;
  /** v1 base for the paginated instance list; derived from v0Url unless API_V1_URL is set. */
  v1Url: string;
  apiKey: string;
  timeoutMs?: number;
  log?: (line: string) => void;
  minIntervalSeconds: Record<VastEndpoint, number>;
  maxRetries: number;
  /** Wait before looking a create up by label after an ambiguous failure. */
  createSettleMs: number;
  /** Port ComfyUI's auth proxy listens on inside the container. */
  comfyPort: number;
  /** Disk (GB) the offer prices include (`allocated_storage`); ComfyUI templates use ~40 GB. */
  offerDiskGb: number;
  offerLimit: number;
  /** Host download floor (`inet_down`), 0 to leave out: slow hosts can pull an image for hours (vast.md §10.2). */
  minInetDown: number;
  minReliability: number;
  /** Runtype when a boot script must run: one whose (Vast) entrypoint runs `onstart` (vast.md §3). */
  bootRuntype: string;
}

export function settingsFromConfig(config: ProviderConfig): VastSettings {
  const extra = config.extra ?? {};
  const v0Url = config.baseUrl.replace(/\/+$/, '');
  return {
    v0Url,
    v1Url: (extra.API_V1_URL?.trim() || deriveV1Url(v0Url)).replace(/\/+$/, ''),
    apiKey: config.apiKey,
    timeoutMs: config.timeoutMs,
    log: config.log,
    minIntervalSeconds: parseRateLimits(extra.RATE_LIMITS),
    maxRetries: num(extra.MAX_RETRIES, 6, 'MAX_RETRIES'),
    createSettleMs: num(extra.CREATE_SETTLE_MS, 1000, 'CREATE_SETTLE_MS'),
    comfyPort: num(extra.COMFY_PORT, 8188, 'COMFY_PORT'),
    offerDiskGb: num(extra.OFFER_DISK_GB, 40, 'OFFER_DISK_GB'),
    offerLimit: num(extra.OFFER_LIMIT, 64, 'OFFER_LIMIT'),
    minInetDown: num(extra.MIN_INET_DOWN, 100, 'MIN_INET_DOWN'),
    minReliability: num(extra.MIN_RELIABILITY, 0.95, 'MIN_RELIABILITY'),
    bootRuntype: extra.BOOT_RUNTYPE?.trim() || 'ssh',
  };
}

/** `https://host/api/v0` → `https://host/api/v1`; any other base gets `/api/v1` on its origin. */
export function deriveV1Url(v0Url: string): string {
  if (/\/api\/v0$/.test(v0Url)) return v0Url.replace(/\/api\/v0$/, '/api/v1');
  try {
    return `${new URL(v0Url).origin}/api/v1`;
  } catch {
    throw new BadInputError(`vast: GPUBURST_VAST_API_URL is not a URL: ${v0Url}`, { provider: 'vast' });
  }
}

/** `off`, or JSON like {"create":4.5,"show":2} (seconds) overriding the defaults. */
export function parseRateLimits(raw: string | undefined): Record<VastEndpoint, number> {
  const value = raw?.trim();
  if (!value) return { ...DEFAULT_MIN_INTERVAL_SECONDS };
  if (value === 'off') return { search: 0, create: 0, show: 0, manage: 0, destroy: 0, list: 0 };
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new BadInputError('vast: GPUBURST_VAST_RATE_LIMITS must be "off" or JSON such as {"create":4.5}', { provider: 'vast' });
  }
  const out = { ...DEFAULT_MIN_INTERVAL_SECONDS };
  for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
    if (!(k in out) || typeof v !== 'number' || v < 0) {
      throw new BadInputError(`vast: GPUBURST_VAST_RATE_LIMITS: "${k}" must be one of ${Object.keys(out).join(', ')} with seconds >= 0`, { provider: 'vast' });
    }
    out[k as VastEndpoint] = v;
  }
  return out;
}

function num(raw: string | undefined, fallback: number, name: string): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new BadInputError(`vast: GPUBURST_VAST_${name} must be a number >= 0, got "${raw}"`, { provider: 'vast' });
  return n;
}
