/**
 * The shape of a catalog file (bundled `catalog.json`, or one the user points at). Every priced or measured row
 * carries a date and the source it was taken from, so a reader can judge how stale a figure is.
 */
import { z } from 'zod';

export const CATALOG_PROVIDERS = ['runpod', 'vast', 'lambda', 'paperspace', 'local', 'colab'] as const;
export type CatalogProvider = (typeof CATALOG_PROVIDERS)[number];

const dateText = z.string().regex(/^\d{4}(-\d{2}(-\d{2})?)?$/, 'expected a date as YYYY, YYYY-MM or YYYY-MM-DD');
/** V = stated in the source, I = inferred default, conv = unit conversion of a stated figure. */
const tag = z.enum(['V', 'I', 'conv']);
const sourced = { date: dateText, source: z.string().min(3, 'expected the source of the figure'), tag, note: z.string().optional() };
const seconds = z.number().nonnegative();
const positive = z.number().positive();

const billingRule = z.object({ incrementSeconds: positive, minimumSeconds: seconds, ...sourced });

const providerTerms = z.object({
  /** False for estimate-only rows (Colab): gpuburst cannot create such a machine. */
  provisionable: z.boolean(),
  /** Why it cannot be provisioned; required when provisionable is false. */
  reason: z.string().optional(),
  /** The model is already on the machine's disk (your own ComfyUI): no download. */
  modelPreinstalled: z.boolean().default(false),
  /**
   * Compute billing of a provider gpuburst has no adapter for (Colab). Adapter providers' rules live in the one table
   * providers/billing.ts, which the estimator reads; a catalog may not restate them.
   */
  billing: billingRule.optional(),
  storage: z.object({
    usdPerGbMonthRunning: z.number().nonnegative(),
    usdPerGbMonthStopped: z.number().nonnegative(),
    incrementSeconds: positive,
    ...sourced,
  }),
  timing: z.object({
    bootSeconds: seconds,
    bootBilled: z.boolean(),
    imagePullSeconds: seconds,
    imagePullBilled: z.boolean(),
    teardownSeconds: seconds,
    teardownBilled: z.boolean(),
    ...sourced,
  }),
  download: z.object({ megabytesPerSecond: positive, ...sourced }),
});

const gpuInfo = z.object({
  vramGb: positive,
  precision: z.object({ fp16SpeedupVsFp32: positive, ...sourced }),
  power: z.object({ boardWatts: positive, ...sourced }).optional(),
});

const offerRow = z
  .object({
    provider: z.enum(CATALOG_PROVIDERS),
    gpu: z.string().min(1),
    /** Form factor where prices differ (PCIe, SXM); informational. */
    variant: z.string().optional(),
    gpuCount: z.number().int().positive().default(1),
    usdPerHour: z.number().nonnegative().optional(),
    /** Subscriptions (Colab): converted to usdPerHour over a 30-day month. */
    usdPerMonth: z.number().nonnegative().optional(),
    interruptible: z.boolean().default(false),
    ...sourced,
  })
  .refine((o) => (o.usdPerHour === undefined) !== (o.usdPerMonth === undefined), {
    message: 'expected exactly one of usdPerHour or usdPerMonth',
  });

const throughputRow = z
  .object({
    gpu: z.string().min(1),
    /** A throughput model name (sd15, sdxl, flux-dev); derived profiles read their base's rows. */
    model: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, 'expected a model name such as sd15, sdxl or flux-dev'),
    /** End-to-end iterations per second (steps x batch / wall time), or the wall seconds of one image. */
    itPerSecond: positive.optional(),
    secondsPerImage: positive.optional(),
    steps: z.number().int().positive(),
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    batchSize: z.number().int().positive().default(1),
    precision: z.enum(['fp16', 'fp32']).default('fp16'),
    /** Per-image throughput at the best batch (4 or more) over batch 1; 1 = no gain. */
    batchGain: z.number().min(1).default(1),
    ...sourced,
  })
  .refine((t) => (t.itPerSecond === undefined) !== (t.secondsPerImage === undefined), {
    message: 'expected exactly one of itPerSecond or secondsPerImage',
  });

export const catalogSchema = z.object({
  catalogDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD'),
  reference: z.string().optional(),
  defaults: z.object({ diskGb: positive, ...sourced }),
  providers: z.partialRecord(z.enum(CATALOG_PROVIDERS), providerTerms),
  gpus: z.record(z.string().min(1), gpuInfo),
  offers: z.array(offerRow),
  throughput: z.array(throughputRow),
});

export type Catalog = z.output<typeof catalogSchema>;
export type ProviderTerms = z.output<typeof providerTerms>;
export type ThroughputRow = z.output<typeof throughputRow>;
