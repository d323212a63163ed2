/**
 * Everything about Vast that can change without a code change: URLs, per-endpoint pacing, offer filters, retry
 * counts, read once through the shared reader (../settings) from GPUBURST_VAST_<NAME>. Reference: docs/reference/vast.md §1, §2, §7.
 */
import { z } from 'zod';
import type { ProviderConfig } from '../config';
import { BadInputError } from '../errors';
import { readSettings, settings } from '../settings';

/** The endpoints Vast rate-limits separately ("per endpoint and per identity", docs/reference/vast.md §7). */
export type VastEndpoint = 'search' | 'create' | 'show' | 'manage' | 'destroy' | 'list';

/**
 * Minimum seconds between two calls of one endpoint, from the specs' `x-rate-limit` (docs/reference/vast.md §7; search is
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

const NO_PACING: Record<VastEndpoint, number> = { search: 0, create: 0, show: 0, manage: 0, destroy: 0, list: 0 };

/** `off`, or JSON like {"create":4.5,"show":2} (seconds) overriding the defaults. */
export function parseRateLimits(raw: string): Record<VastEndpoint, number> | undefined {
  if (raw === 'off') return { ...NO_PACING };
  try {
    const parsed = z.strictObject(Object.fromEntries(Object.keys(NO_PACING).map((k) => [k, z.number().nonnegative().optional()]))).safeParse(JSON.parse(raw));
    return parsed.success ? { ...DEFAULT_MIN_INTERVAL_SECONDS, ...(parsed.data as Partial<Record<VastEndpoint, number>>) } : undefined;
  } catch {
    return undefined;
  }
}

const SHAPE = {
  /** v1 base for the paginated instance list; derived from the v0 URL when unset. */
  API_V1_URL: settings.url(undefined),
  RATE_LIMITS: settings.custom(
    `expected "off" or JSON seconds per endpoint such as {"create":4.5} (endpoints: ${Object.keys(NO_PACING).join(', ')})`,
    { ...DEFAULT_MIN_INTERVAL_SECONDS },
    parseRateLimits,
  ),
  MAX_RETRIES: settings.number(6, { min: 0, max: 20, integer: true }),
  /** Wait before looking a create up by label after an ambiguous failure. */
  CREATE_SETTLE_MS: settings.number(1000),
  /** Port ComfyUI's auth proxy listens on inside the container. */
  COMFY_PORT: settings.number(8188, { min: 1, max: 65535, integer: true }),
  /** Disk (GB) the offer prices include (`allocated_storage`); ComfyUI templates use ~40 GB. */
  OFFER_DISK_GB: settings.number(40, { min: 1 }),
  OFFER_LIMIT: settings.number(64, { min: 1, integer: true }),
  /** Host download floor (`inet_down`), 0 to leave out: slow hosts can pull an image for hours (docs/reference/vast.md §10.2). */
  MIN_INET_DOWN: settings.number(100),
  MIN_RELIABILITY: settings.number(0.95, { min: 0, max: 1 }),
  /** Runtype when a boot script must run: one whose (Vast) entrypoint runs `onstart` (docs/reference/vast.md §3). */
  BOOT_RUNTYPE: settings.text('ssh'),
};

export interface VastSettings {
  /** v0 base, e.g. https://console.vast.ai/api/v0. */
  v0Url: string;
  v1Url: string;
  apiKey: string;
  timeoutMs?: number;
  log?: (line: string) => void;
  minIntervalSeconds: Record<VastEndpoint, number>;
  maxRetries: number;
  createSettleMs: number;
  comfyPort: number;
  offerDiskGb: number;
  offerLimit: number;
  minInetDown: number;
  minReliability: number;
  bootRuntype: string;
}

export function settingsFromConfig(config: ProviderConfig): VastSettings {
  const s = readSettings('vast', config.extra ?? {}, SHAPE);
  const v0Url = config.baseUrl.replace(/\/+$/, '');
  return {
    v0Url,
    v1Url: s.API_V1_URL ?? deriveV1Url(v0Url),
    apiKey: config.apiKey,
    timeoutMs: config.timeoutMs ?? s.TIMEOUT_MS,
    log: config.log,
    minIntervalSeconds: s.RATE_LIMITS,
    maxRetries: s.MAX_RETRIES,
    createSettleMs: s.CREATE_SETTLE_MS,
    comfyPort: s.COMFY_PORT,
    offerDiskGb: s.OFFER_DISK_GB,
    offerLimit: s.OFFER_LIMIT,
    minInetDown: s.MIN_INET_DOWN,
    minReliability: s.MIN_RELIABILITY,
    bootRuntype: s.BOOT_RUNTYPE,
  };
}

/** `https://host/api/v0` → `https://host/api/v1`; any other base gets `/api/v1` on its origin. */
export function deriveV1Url(v0Url: string): string {
  if (/\/api\/v0$/.test(v0Url)) return v0Url.replace(/\/api\/v0$/, '/api/v1');
  try {
    return `${new URL(v0Url).origin}/api/v1`;
  } catch {
    throw new BadInputError(`vast: GPUBURST_VAST_API_URL="${v0Url}" is not accepted; expected an http(s) URL`, { provider: 'vast' });
  }
}
