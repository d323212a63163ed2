/**
 * Paperspace settings (GPUBURST_PAPERSPACE_<NAME>), read once through the shared reader (../settings). Everything
 * that can change at Paperspace (prices, template names, disk sizes, error wording, paths) is a setting.
 */
import { z } from 'zod';
import type { ProviderConfig } from '../config';
import { readSettings, settings } from '../settings';
import { DEFAULT_CAPACITY_PATTERN } from './mapping';
import { DEFAULT_USD_PER_HOUR } from './offers';

// ML-in-a-Box ships the NVIDIA driver, Docker and the NVIDIA container runtime (docs/reference/paperspace.md §5); a plain
// server template would need a driver install before `docker run --gpus all` works.
const DEFAULT_TEMPLATE_NAME = 'Ubuntu 22.04 MLaiB';
const DEFAULT_DISK_SIZES_GB = [50, 100, 250, 500, 1000, 2000];

function diskSizes(raw: string): number[] | undefined {
  const sizes = raw.split(',').map((s) => Number(s.trim()));
  return sizes.every((n) => Number.isInteger(n) && n > 0) ? sizes.sort((a, b) => a - b) : undefined;
}

const SHAPE = {
  /** Machine type → USD per hour, overriding the dated table in ./offers. */
  PRICES: settings.json(z.record(z.string(), z.number().positive()), {}, 'a JSON object of machine type → USD per hour, e.g. {"A4000":0.76}'),
  /** Machine types offered; default every priced type. */
  MACHINE_TYPES: settings.list(undefined),
  /** Ask every type in these regions instead of the documented availability table. */
  REGIONS: settings.list(undefined),
  /** OS template to boot, by name, or by id (skips the look-up). */
  TEMPLATE_NAME: settings.text(DEFAULT_TEMPLATE_NAME),
  TEMPLATE_ID: settings.text(undefined),
  /** The OS template list was renamed over time (docs/reference/paperspace.md §2). */
  TEMPLATES_PATH: settings.text('/os-templates'),
  /** Sizes create accepts; the spec's disk is rounded up to one of them. */
  DISK_SIZES_GB: settings.custom('expected comma-separated whole GB such as 50,100,250', DEFAULT_DISK_SIZES_GB, diskSizes),
  /** Where ComfyUI answers on the machine's public IP. */
  COMFY_PORT: settings.number(8188, { min: 1, max: 65535, integer: true }),
  /** Event/error texts that mean "no capacity". */
  CAPACITY_PATTERN: settings.pattern(DEFAULT_CAPACITY_PATTERN),
  /** Wait before looking a machine up after an ambiguous create failure. */
  CREATE_SETTLE_MS: settings.number(1000),
  MAX_RETRIES: settings.number(6, { min: 0, max: 20, integer: true }),
  /** Parallel availability requests while listing offers. */
  OFFER_CONCURRENCY: settings.number(32, { min: 1, integer: true }),
  /** Page size of list calls (Paperspace accepts 1–120). */
  PAGE_LIMIT: settings.number(100, { min: 1, max: 120, integer: true }),
};

export interface PaperspaceSettings {
  baseUrl: string;
  apiKey: string;
  timeoutMs?: number;
  log?: (line: string) => void;
  /** USD per hour by machine type: the dated table plus PRICES overrides. */
  usdPerHour: Record<string, number>;
  machineTypes: string[];
  regions?: string[];
  templateName: string;
  templateId?: string;
  templatesPath: string;
  diskSizesGb: number[];
  comfyPort: number;
  capacityPattern: RegExp;
  createSettleMs: number;
  maxRetries: number;
  offerConcurrency: number;
  pageLimit: number;
}

export function readPaperspaceSettings(config: ProviderConfig): PaperspaceSettings {
  const s = readSettings('paperspace', config.extra, SHAPE);
  const usdPerHour = { ...DEFAULT_USD_PER_HOUR, ...s.PRICES };
  return {
    baseUrl: config.baseUrl.replace(/\/+$/, ''),
    apiKey: config.apiKey,
    timeoutMs: config.timeoutMs ?? s.TIMEOUT_MS,
    log: config.log,
    usdPerHour,
    machineTypes: s.MACHINE_TYPES ?? Object.keys(usdPerHour),
    regions: s.REGIONS,
    templateName: s.TEMPLATE_NAME,
    templateId: s.TEMPLATE_ID,
    templatesPath: s.TEMPLATES_PATH,
    diskSizesGb: s.DISK_SIZES_GB,
    comfyPort: s.COMFY_PORT,
    capacityPattern: s.CAPACITY_PATTERN,
    createSettleMs: s.CREATE_SETTLE_MS,
    maxRetries: s.MAX_RETRIES,
    offerConcurrency: s.OFFER_CONCURRENCY,
    pageLimit: s.PAGE_LIMIT,
  };
}
