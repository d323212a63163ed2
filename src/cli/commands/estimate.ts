/**
 * `gpuburst estimate [batch.yaml]`: time, cost and $/image of a batch on every offer and on the local RTX 3060.
 * The batch is a batch file (the one `run` takes: image count, steps, size and model come from it) or flags.
 * Imports nothing heavy: no axios, ws or Pulumi (live offers are loaded only with --live, the batch loader only
 * with a file).
 */
import path from 'path';
import type { Command } from 'commander';
import { BadInputError } from '../../../providers/errors';
import { CLOUD_PROVIDERS } from '../../../providers/types';
import { catalogOffers, PricedOffer } from '../../catalog/offers';
import { resolveGpuNames } from '../../catalog/gpu-names';
import { loadCatalog } from '../../catalog/load';
import { CATALOG_PROVIDERS, CatalogProvider } from '../../catalog/schema';
import { parsePrecision, positiveNumber, resolveBatch, wholeNumber, DEFAULT_IMAGES, DEFAULT_MODEL } from '../../estimate/batch';
import { cacheEstimates } from '../../estimate/cache';
import { readCalibration } from '../../estimate/calibration';
import { parseDurationSeconds } from '../../estimate/duration';
import { Batch, estimate } from '../../estimate/estimator';
import { parsePriceOverride, parseSpeedOverride } from '../../estimate/overrides';
import { getProfile, profileNames } from '../../estimate/profiles';
import { compareRows, recommend } from '../../estimate/recommend';
import type { CliContext, CommandResult } from '../context';

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function define(cmd: Command): void {
  cmd
    .argument('[batch]', 'a batch file (YAML), as `gpuburst run` takes: its images, steps, size and model are estimated')
    .option('--model <name>', `model profile: ${profileNames().join(', ')} (default: ${DEFAULT_MODEL})`)
    .option('--images <n>', `number of images (default: ${DEFAULT_IMAGES})`)
    .option('--steps <n>', "sampling steps (default: the model's, e.g. 20 for sdxl, 4 for lcm)")
    .option('--width <px>', "image width, a multiple of 8 (default: the model's, e.g. 1024 for sdxl)")
    .option('--height <px>', "image height, a multiple of 8 (default: the model's)")
    .option('--batch-size <n>', 'images per sampler batch (default: 1)')
    .option('--precision <p>', 'fp16 or fp32 (default: fp16)')
    .option('--providers <list>', `comma list of ${CATALOG_PROVIDERS.join(', ')} (default: all)`)
    .option('--gpu <names>', 'comma list of GPUs, e.g. "4090,a100" (default: all)')
    .option('--interruptible', 'estimate interruptible (spot) offers instead of on-demand ones')
    .option('--max-cost <usd>', 'recommend the fastest offer within this total cost, e.g. 2.50')
    .option('--deadline <duration>', 'recommend the cheapest offer that finishes within this, e.g. 2h, 1h30m')
    .option('--kwh-price <usd>', 'electricity price per kWh: adds the local GPU\'s power cost, e.g. 0.16')
    .option('--local-watts <w>', 'local GPU power for --kwh-price (default: the catalog\'s board power, 170 W for the RTX 3060)')
    .option('--price <spec>', 'override a price, USD/h: [provider:]gpu=0.34 (repeatable)', collect)
    .option('--speed <spec>', 'override a speed: [provider:]gpu=2.4s (seconds/image) or =2.5x (× local) (repeatable)', collect)
    .option('--no-overhead', 'leave out boot, image pull, model download/load and teardown (render time only)')
    .option('--disk-gb <n>', 'disk billed as storage while the machine exists (default: the catalog\'s, 50)')
    .option('--cache-gb <n>', 'a model cache of this size (RunPod network volume, Lambda filesystem): its monthly price and its storage beside the batch')
    .option('--catalog <file>', 'catalog file to use instead of the bundled one (also: GPUBURST_CATALOG)')
    .option('--live', 'read live offers from every provider whose API key is set, catalog for the others')
    .option('--top <n>', 'rows in the table and chart, cheapest first; 0 = all (default: 15)')
    .option('--json', 'print the estimate as JSON');
}

function parseProviders(text: unknown): CatalogProvider[] | undefined {
  if (text === undefined) return undefined;
  const list = String(text).split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  for (const p of list) {
    if (!(CATALOG_PROVIDERS as readonly string[]).includes(p)) throw new BadInputError(`--providers: unknown provider "${p}"; accepted: ${CATALOG_PROVIDERS.join(', ')}`);
  }
  if (!list.length) throw new BadInputError(`--providers: empty list; accepted: ${CATALOG_PROVIDERS.join(', ')}`);
  return list as CatalogProvider[];
}

/** Flags that describe the batch: a batch file already says all of them. */
const SHAPE_FLAGS: [key: string, flag: string, field: keyof Batch][] = [
  ['images', '--images', 'images'],
  ['steps', '--steps', 'steps'],
  ['width', '--width', 'width'],
  ['height', '--height', 'height'],
  ['batchSize', '--batch-size', 'batchSize'],
];

/** The batch of a batch file, read and expanded as `run` does; --model and --precision may still be given. */
function batchFromFile(file: string, opts: Record<string, unknown>, ctx: CliContext): { batch: Batch; file: string; prompts: number } {
  const { loadBatch } = require('../../comfy/batch/load') as typeof import('../../comfy/batch/load');
  const { expandBatch } = require('../../comfy/batch/expand') as typeof import('../../comfy/batch/expand');
  const { bundledObjectInfo } = require('../../comfy/workflow/object-info') as typeof import('../../comfy/workflow/object-info');
  const { batchShape } = require('../../session/batch-shape') as typeof import('../../session/batch-shape');
  const resolved = path.resolve(ctx.cwd, file);
  const objectInfo = bundledObjectInfo();
  const prompts = expandBatch(loadBatch(resolved, objectInfo), objectInfo);
  if (prompts.length === 0) throw new BadInputError(`${file}: the batch expands to no prompt`);
  const shape = batchShape(prompts, opts.model === undefined ? undefined : getProfile(String(opts.model)).name);
  for (const [key, flag, field] of SHAPE_FLAGS) {
    if (opts[key] !== undefined) {
      throw new BadInputError(`${flag}: ${file} sets it (${shape[field]}); accepted: ${flag} without a batch file, or the batch file without ${flag}`);
    }
  }
  return { batch: { ...shape, precision: parsePrecision(opts.precision) }, file, prompts: prompts.length };
}

export async function run(args: unknown[], opts: Record<string, unknown>, ctx: CliContext): Promise<CommandResult> {
  const fromFile = args[0] === undefined ? undefined : batchFromFile(String(args[0]), opts, ctx);
  const batch = fromFile?.batch ?? resolveBatch(opts);
  const limits = {
    ...(opts.maxCost !== undefined ? { maxCostUsd: positiveNumber('--max-cost', opts.maxCost) } : {}),
    ...(opts.deadline !== undefined ? { deadlineSeconds: parseDurationSeconds(String(opts.deadline), '--deadline') } : {}),
  };
  const kwhPrice = opts.kwhPrice !== undefined ? positiveNumber('--kwh-price', opts.kwhPrice, true) : undefined;
  const localWatts = opts.localWatts !== undefined ? positiveNumber('--local-watts', opts.localWatts) : undefined;
  const diskGb = opts.diskGb !== undefined ? wholeNumber('--disk-gb', opts.diskGb, 1, 100_000) : undefined;
  const cacheGb = opts.cacheGb !== undefined ? wholeNumber('--cache-gb', opts.cacheGb, 1, 4096) : undefined;
  const top = opts.top !== undefined ? wholeNumber('--top', opts.top, 0, 10_000) : 15;
  const providers = parseProviders(opts.providers);

  const loaded = loadCatalog({ path: opts.catalog as string | undefined, env: ctx.env, cwd: ctx.cwd });
  const { catalog } = loaded;
  const known = Object.keys(catalog.gpus);
  const gpus = opts.gpu === undefined ? undefined : String(opts.gpu).split(',').filter((s) => s.trim()).flatMap((g) => resolveGpuNames(g, known));
  const prices = ((opts.price as string[] | undefined) ?? []).map((s) => parsePriceOverride(s, known));
  const speeds = ((opts.speed as string[] | undefined) ?? []).map((s) => parseSpeedOverride(s, known));
  const calibration = readCalibration(ctx.cwd);

  let offers: PricedOffer[] = catalogOffers(catalog);
  let errors: { provider: string; code: string; message: string }[] = [];
  if (opts.live) {
    const { collectOffers } = require('../../catalog/live') as typeof import('../../catalog/live');
    const clouds = CLOUD_PROVIDERS.filter((c) => !providers || providers.includes(c));
    const live = await collectOffers({ catalog, env: ctx.env, log: ctx.log, clouds });
    offers = [...live.offers, ...offers.filter((o) => o.provider === 'local' || o.provider === 'colab')];
    errors = live.errors;
  }
  const interruptible = Boolean(opts.interruptible);
  const selected = offers.filter(
    (o) =>
      (!providers || providers.includes(o.provider)) &&
      (o.provider === 'local' || !gpus || gpus.includes(o.gpu)) &&
      (o.provider === 'local' || o.interruptible === interruptible),
  );
  if (!selected.length) throw new BadInputError(`no offer matches ${describeFilters(opts, gpus)}; \`gpuburst offers --offline\` lists what the catalog has`);

  const result = estimate({
    batch, catalog, offers: selected, prices, speeds, calibration: calibration.entries,
    includeOverhead: opts.overhead !== false, diskGb, kwhPrice, localWatts,
  });
  if (!result.rows.length) throw new BadInputError(`nothing to estimate: ${result.skipped.map((s) => `${s.provider} ${s.gpu}: ${s.reason}`).join('; ')}`);
  const rows = [...result.rows].sort(compareRows);
  const recommendation = recommend(rows, limits);
  const profile = getProfile(batch.model);
  const data = {
    batch: {
      ...batch, title: profile.title, diskGb: diskGb ?? catalog.defaults.diskGb, includeOverhead: opts.overhead !== false,
      ...(kwhPrice !== undefined ? { kwhPrice } : {}), ...(fromFile ? { file: fromFile.file, prompts: fromFile.prompts } : {}),
    },
    catalogDate: catalog.catalogDate,
    catalogPath: loaded.path,
    calibrationFile: calibration.entries.length ? calibration.path : null,
    calibrationNotes: calibration.notes,
    rows,
    recommendation,
    skipped: result.skipped,
    errors,
    ...(cacheGb !== undefined ? { cache: cacheEstimates(rows, cacheGb) } : {}),
  };
  const view = {
    ...data,
    catalogPath: loaded.origin === 'bundled' ? 'bundled' : loaded.path,
    calibrationFile: calibration.path,
    includeOverhead: data.batch.includeOverhead,
    top,
  };
  // The table renderer (cli-table3) loads only when text is printed, not for --json.
  return { data, text: () => (require('../render/estimate') as typeof import('../render/estimate')).renderEstimate(view) };
}

function describeFilters(opts: Record<string, unknown>, gpus: string[] | undefined): string {
  const parts = [
    opts.providers !== undefined && `--providers ${opts.providers}`,
    gpus && `--gpu ${gpus.join(', ')}`,
    opts.interruptible ? '--interruptible' : 'on-demand (add --interruptible for spot offers)',
  ].filter(Boolean);
  return parts.join(' with ');
}
