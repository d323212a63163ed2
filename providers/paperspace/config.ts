/**
 * Settings read from `config.extra` (GPUBURST_PAPERSPACE_* without the prefix). Everything that can change at
 * Paperspace (prices, template names, disk sizes, error wording, paths) is a setting, not a constant.
 */
import { BadInputError } from '../errors';
import type { ProviderConfig } from '../config';
import { DEFAULT_CAPACITY_PATTERN } from './mapping';
import { DEFAULT_USD_PER_HOUR, parsePriceOverride } from './prices';

export interface PaperspaceSettings {
  /** USD per hour by machine type: the dated table plus PRICES overrides. */
  usdPerHour: Record<string, number>;
  /** Machine types offered (MACHINE_TYPES, comma-separated); default every priced type. */
  machineTypes: string[];
  /** REGIONS (comma-separated): ask every type in these regions instead of the documented availability table. */
  regions?: string[];
  /** OS template to boot, by name (TEMPLATE_NAME) or by id (TEMPLATE_ID, skips the look-up). */
  templateName: string;
  templateId?: string;
  /** TEMPLATES_PATH: the OS template list was renamed over time (paperspace.md §2). */
  templatesPath: string;
  /** DISK_SIZES_GB: sizes create accepts; the spec's disk is rounded up to one of them. */
  diskSizesGb: number[];
  /** COMFY_PORT: where ComfyUI answers on the machine's public IP. */
  comfyPort: number;
  billingIncrementSeconds: number;
  /** CAPACITY_PATTERN: event/error texts that mean "no capacity". */
  capacityPattern: RegExp;
  /** CREATE_SETTLE_MS: wait before looking a machine up after an ambiguous create failure. */
  createSettleMs: number;
  maxRetries: number;
  /** OFFER_CONCURRENCY: parallel availability requests while listing offers. */
  offerConcurrency: number;
  /** PAGE_LIMIT: page size of list calls (1–120). */
  pageLimit: number;
}

// ML-in-a-Box ships the NVIDIA driver, Docker and the NVIDIA container runtime (paperspace.md §5); a plain
// server template would need a driver install before `docker run --gpus all` works.
const DEFAULT_TEMPLATE_NAME = 'Ubuntu 22.04 MLaiB';
const DEFAULT_DISK_SIZES_GB = [50, 100, 250, 500, 1000, 2000];

export function readSettings(config: ProviderConfig): PaperspaceSettings {
  const x = config.extra;
  const usdPerHour = { ...DEFAULT_USD_PER_HOUR, ...parsePriceOverride(x.PRICES) };
  return {
    usdPerHour,
    machineTypes: list(x.MACHINE_TYPES) ?? Object.keys(usdPerHour),
    regions: list(x.REGIONS),
    templateName: x.TEMPLATE_NAME?.trim() || DEFAULT_TEMPLATE_NAME,
    templateId: x.TEMPLATE_ID?.trim() || undefined,
    templatesPath: x.TEMPLATES_PATH?.trim() || '/os-templates',
    diskSizesGb: list(x.DISK_SIZES_GB)?.map((v) => positive('DISK_SIZES_GB', v)).sort((a, b) => a - b) ?? DEFAULT_DISK_SIZES_GB,
    comfyPort: x.COMFY_PORT ? positive('COMFY_PORT', x.COMFY_PORT) : 8188,
    billingIncrementSeconds: x.BILLING_INCREMENT_SECONDS ? positive('BILLING_INCREMENT_SECONDS', x.BILLING_INCREMENT_SECONDS) : 1,
    capacityPattern: x.CAPACITY_PATTERN ? new RegExp(x.CAPACITY_PATTERN, 'i') : DEFAULT_CAPACITY_PATTERN,
    createSettleMs: x.CREATE_SETTLE_MS ? positive('CREATE_SETTLE_MS', x.CREATE_SETTLE_MS) : 1000,
    maxRetries: x.MAX_RETRIES ? positive('MAX_RETRIES', x.MAX_RETRIES, 0) : 6,
    offerConcurrency: x.OFFER_CONCURRENCY ? positive('OFFER_CONCURRENCY', x.OFFER_CONCURRENCY) : 32,
    pageLimit: Math.min(120, x.PAGE_LIMIT ? positive('PAGE_LIMIT', x.PAGE_LIMIT) : 100),
  };
}

function list(value: string | undefined): string[] | undefined {
  const items = value?.split(',').map((s) => s.trim()).filter(Boolean);
  return items?.length ? items : undefined;
}

function positive(name: string, value: string, min = Number.MIN_VALUE): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) {
    throw new BadInputError(`paperspace: GPUBURST_PAPERSPACE_${name}="${value}" must be ${min === 0 ? 'a number ≥ 0' : 'a positive number'}`, { provider: 'paperspace' });
  }
  return n;
}
