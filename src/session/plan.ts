/**
 * Everything decided before a cent is spent: the batch is expanded and validated (pre-flight, offline), offers are
 * read live from the chosen providers, every offer is estimated for this batch, and the cheapest ones that meet
 * the constraints are ranked. A budget below the estimate, a missing key, a GPU nobody offers → an error here.
 */
import fs from 'fs';
import path from 'path';
import { AuthError, BadInputError } from '../../providers/errors';
import { hasKey } from '../../providers/index';
import { CacheMount, CLOUD_PROVIDERS, CloudProviderName, Offer, ProviderName } from '../../providers/types';
import { loadCatalog } from '../catalog/load';
import { fromLiveOffer } from '../catalog/offers';
import { imageRuns, resolveImage } from '../../providers/images';
import { canonicalGpu, resolveGpuNames } from '../catalog/gpu-names';
import { formatBatchProblem, validateBatch } from '../comfy/batch/check';
import { expandBatch, ExpandedPrompt } from '../comfy/batch/expand';
import { BatchFileError, LoadedBatch, loadBatch } from '../comfy/batch/load';
import { ComfyClient } from '../comfy/client';
import { localComfyTimeoutMs } from '../../providers/local/settings';
import { bundledObjectInfo } from '../comfy/workflow/object-info';
import { readCalibration } from '../estimate/calibration';
import { Batch, estimate, EstimateRow } from '../estimate/estimator';
import { formatUsdPair } from '../estimate/money';
import { getProfile } from '../estimate/profiles';
import type { AgentModel } from './agent/config';
import { machineModels } from './agent/models';
import { diskFloorGb, modelSizes } from './agent/disk';
import type { NodePack } from '../comfy/batch/nodes';
import { batchShape, modelVramNote, unknownModelNote, withModelVram } from './batch-shape';
import { cacheNotes, planCache, PlannedCache } from './cache';
import type { ProviderPool } from './pool';
import { templateFor } from './templates';

export interface PlanOptions {
  batchFile: string;
  provider: ProviderName | 'auto';
  gpu?: string;
  pods: number;
  maxCostUsd?: number;
  maxUsdPerHour?: number;
  interruptible?: boolean;
  /** Estimator profile; inferred from the workflow's checkpoint when absent. */
  model?: string;
  /** With provider `local`: the servers, whose /object_info validates the batch. */
  comfyUrls?: string[];
  /** A model cache by name (./cache.ts) and where a new one goes. */
  cache?: string;
  cacheRegion?: string;
  /** Ctrl-C while planning: a slow server's answer is not waited for. */
  signal?: AbortSignal;
  /**
   * Resume with machines still standing: no fitting offer is not an error (the machines it has may finish the batch
   * and must be pulled and ended); the plan then ranks nothing and says why in `noOffer`.
   */
  offersOptional?: boolean;
}

export interface Plan {
  batch: LoadedBatch;
  prompts: ExpandedPrompt[];
  models: AgentModel[];
  /** Custom node packs the machines install before anything else. */
  nodes: NodePack[];
  /** Each model's size where a server stated it (HEAD), and the disk floor the user set: the machines' disk. */
  modelBytes?: (number | undefined)[];
  diskFloorGb?: number;
  /** Download tokens the batch lets go to the machines (`modelTokens: true`); never journaled. */
  tokens?: Record<string, string>;
  shape: Batch;
  /** Offers that can take the batch, cheapest estimate first, each with its estimate for its share of the batch. */
  ranked: { offer: Offer; row: EstimateRow }[];
  /** Estimated cost and time of the whole session on the chosen offers (each row's cost × pods). */
  estimateUsd: number;
  /** Machines the batch is split over; every ranked row is one machine's share. */
  pods: number;
  /** What the user must know about the plan, e.g. pods capped by the number of prompts. */
  notes: string[];
  /** The same batch on the local RTX 3060, for the report's speed-up. */
  localSecondsPerImage?: number;
  estimateSeconds: number;
  /** The batch's `comfyui:` version (undefined: each provider's default pin). */
  comfyuiVersion?: string;
  offerErrors: { provider: string; code: string; message: string }[];
  /** The model cache the machines mount, found or still to create (./cache.ts). */
  cache?: PlannedCache;
  /** Set once the cache exists: what every machine's spec attaches. */
  cacheMount?: CacheMount;
  /** With `offersOptional`: why no offer fits now (the error a plan without that option throws). */
  noOffer?: string;
}

export async function makePlan(o: PlanOptions, pool: ProviderPool, env: NodeJS.ProcessEnv, cwd: string): Promise<Plan> {
  // The user's own ComfyUI servers (no machine template): any GPU they have, at no rent.
  const ownServers = o.provider !== 'auto' && !templateFor(o.provider);
  // Against the user's own server, its node list and model files are the truth (UI workflows convert with its
  // definitions); against a rented machine, the core nodes plus the models the batch schedules for download. Each
  // machine checks the batch again against its own server before the first prompt (./lifecycle/validate).
  const objectInfo = ownServers && o.comfyUrls?.length ? await localObjectInfo(o.comfyUrls[0], env, o.signal) : bundledObjectInfo();
  const batch = loadBatch(o.batchFile, objectInfo);
  const prompts = expandBatch(batch, objectInfo);
  if (prompts.length === 0) throw new BadInputError(`${o.batchFile}: the batch expands to no prompt`);
  const placed = machineModels(batch, env);
  // Model sizes size the machines' disks; asked while the offers are listed.
  const floorGb = diskFloorGb(env);
  const sizes = ownServers ? Promise.resolve([]) : modelSizes(placed.models, placed.tokens, env);
  const problems = validateBatch(batch, prompts, objectInfo);
  if (problems.length) throw new BatchFileError(batch.file, problems.map((p) => ({ path: p.where, message: formatBatchProblem(p) })));
  const named = batchShape(prompts, o.model);
  const profile = getProfile(named.model);
  const { catalog } = loadCatalog({ env });
  const known = Object.keys(catalog.gpus);
  const wanted = o.gpu ? new Set(resolveGpuNames(o.gpu, known)) : undefined;
  const gpuOf = (x: Offer) => canonicalGpu(x.gpu, known) ?? x.gpu;
  const comfyuiVersion = batch.spec.comfyui;

  const clouds = ownServers ? [o.provider as ProviderName] : cloudsFor(o.provider as CloudProviderName | 'auto', env);
  // A cache pins the machines to its region (found or planned before any offer is read).
  const cache = o.cache ? await planCache({ provider: o.provider as CloudProviderName, adapter: pool.get(o.provider as CloudProviderName), name: o.cache, region: o.cacheRegion, modelBytes: (await sizes).reduce<number>((a, b) => a + (b ?? 0), 0), signal: o.signal }) : undefined;
  const listed = await Promise.allSettled(clouds.map((c) => pool.get(c).listOffers({ interruptible: o.interruptible ? true : false, region: cache?.region })));
  const offerErrors: Plan['offerErrors'] = [];
  const offers: Offer[] = [];
  listed.forEach((r, i) => {
    if (r.status === 'fulfilled') offers.push(...r.value);
    else offerErrors.push({ provider: clouds[i], code: (r.reason as { code?: string }).code ?? 'ERR_PROVIDER', message: (r.reason as Error).message });
  });
  if (offers.length === 0 && offerErrors.length && clouds.length === 1) throw listed.find((r) => r.status === 'rejected')!.reason as Error;
  // A model the catalog does not know needs the VRAM its file's size says (asked while the offers were listed).
  const shape = named.unknownModel ? withModelVram(named, placed.models, await sizes) : named;
  const minVramGb = Math.max(profile.minVramGb, shape.minVramGb ?? 0);

  // A resume whose machines still stand: nothing to rank, the plan says why (./resume decides if they suffice).
  const withoutOffers = async (why: string): Promise<Plan> => ({
    batch, prompts, ...placed, nodes: batch.nodes, modelBytes: await sizes, diskFloorGb: floorGb, shape, ranked: [], estimateUsd: 0, estimateSeconds: 0,
    pods: Math.min(o.pods, prompts.length), notes: [`${why}: only the machines this session still has render the rest`], comfyuiVersion, offerErrors, cache, noOffer: why,
  });
  const usable = offers.filter(
    (x) =>
      x.available &&
      (ownServers || !wanted || wanted.has(gpuOf(x))) &&
      // One ComfyUI runs a model on one GPU: the floor is per GPU, whatever the machine's count.
      (ownServers || x.vramGb >= minVramGb) &&
      (o.maxUsdPerHour === undefined || x.usdPerHour <= o.maxUsdPerHour),
  );
  if (usable.length === 0) {
    const why = noOfferMessage(o, offers, minVramGb, offerErrors, wanted, gpuOf, shape);
    if (o.offersOptional) return withoutOffers(why);
    throw new BadInputError(why);
  }
  // An offer whose GPU the machine's image cannot run (a Blackwell card under a CUDA 12.1 build) is never rented.
  const runnable = ownServers ? usable : usable.filter((x) => imageRuns({ provider: x.provider as CloudProviderName, gpu: x.gpu, comfyuiVersion, env }));
  if (runnable.length === 0) resolveImage({ provider: usable[0].provider as CloudProviderName, gpu: usable[0].gpu, comfyuiVersion, env });
  usable.splice(0, usable.length, ...runnable);

  // Issue 12: never rent a machine that would get no prompt.
  const pods = Math.min(o.pods, prompts.length);
  const notes = pods < o.pods ? [`${o.pods} pods asked for ${prompts.length} prompt(s): renting ${pods}, one per prompt.`] : [];
  if (shape.unknownModel) notes.push(unknownModelNote(shape.unknownModel, 'run'));
  const vramNote = modelVramNote(shape, profile.minVramGb);
  if (vramNote) notes.push(vramNote);
  for (const wf of batch.workflows) {
    const classes = Object.values(wf.prompt).map((n) => n.class_type);
    if (classes.includes('PreviewImage') && !classes.some((c) => /Save/.test(c))) notes.push(`workflow ${wf.name} saves nothing (PreviewImage only): its previews, temporary files on the machine, are pulled instead`);
  }
  const share: Batch = { ...shape, images: Math.ceil(shape.images / pods) };
  const today = new Date().toISOString().slice(0, 10);
  const calibration = readCalibration(cwd).entries;
  // A local server whose GPU the catalog does not know is estimated as the catalog's local GPU (it costs nothing).
  const asPriced = (x: Offer) => fromLiveOffer(ownServers && !canonicalGpu(x.gpu, known) ? { ...x, gpu: 'RTX 3060' } : x, known, today);
  const { rows, local } = estimate({ batch: share, catalog, offers: usable.map(asPriced), calibration });
  const ranked = rows
    .filter((row) => row.provider !== 'colab')
    .map((row) => ({ row, offer: usable.find((x) => x.offerId === row.offerId && x.provider === row.provider)! }))
    .filter((r) => r.offer)
    .sort((a, b) => a.row.costUsd - b.row.costUsd || a.row.totalSeconds - b.row.totalSeconds);
  if (ranked.length === 0) throw new BadInputError(`no offer could be estimated for ${shape.model}; check --model`);
  const first = ranked[0].row;
  if (cache) notes.push(...cacheNotes(cache, first, pods));
  const plan: Plan = { batch, prompts, ...placed, nodes: batch.nodes, modelBytes: await sizes, diskFloorGb: floorGb, shape, ranked, estimateUsd: first.costUsd * pods, pods, notes, estimateSeconds: first.totalSeconds, comfyuiVersion, localSecondsPerImage: local?.secondsPerImage, offerErrors, cache };
  if (o.maxCostUsd !== undefined && plan.estimateUsd > o.maxCostUsd) {
    const [budget, estimateUsd] = formatUsdPair(o.maxCostUsd, plan.estimateUsd);
    throw new BadInputError(
      `budget ${budget} is below the estimate ${estimateUsd} (${prompts.length} prompts on ${pods} × ${first.gpu} at ${first.provider}); raise --max-cost or shrink the batch`,
    );
  }
  return plan;
}

/** The user's own server's node list, after one readiness probe (a silent server costs one wait, not two), and Ctrl-C. */
async function localObjectInfo(url: string, env: NodeJS.ProcessEnv, signal?: AbortSignal) {
  const timeoutMs = localComfyTimeoutMs(env);
  const client = new ComfyClient({ baseUrl: url, timeoutMs });
  await client.expectReady(timeoutMs, signal);
  return client.objectInfo(undefined, { timeoutMs, signal });
}

/**
 * The outputs must have somewhere to land: a folder that cannot be created or written fails here, before anything
 * is rented (otherwise every finished prompt would fail to pull and the machine would be kept, still billing).
 */
export function checkOutputFolder(dir: string): void {
  let existing = path.resolve(dir);
  while (!fs.existsSync(existing) && path.dirname(existing) !== existing) existing = path.dirname(existing);
  try {
    if (!fs.statSync(existing).isDirectory()) throw Object.assign(new Error(`${existing} is a file`), { code: 'ENOTDIR' });
    fs.accessSync(existing, fs.constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new BadInputError(`output folder ${dir} cannot be written (${code}); choose another with --out (or output: in the batch file)`);
  }
}

function cloudsFor(provider: CloudProviderName | 'auto', env: NodeJS.ProcessEnv): ProviderName[] {
  if (provider !== 'auto') {
    if (!hasKey(provider, env)) throw new AuthError(`${provider}: no API key; set ${keyVar(provider)}`, { provider });
    return [provider];
  }
  const keyed = CLOUD_PROVIDERS.filter((c) => hasKey(c, env));
  if (keyed.length === 0) throw new AuthError(`no provider key is set; set one of ${CLOUD_PROVIDERS.map(keyVar).join(', ')}, or try --simulate`);
  return keyed;
}

function keyVar(c: CloudProviderName): string {
  return `${c.toUpperCase()}_API_KEY`;
}

function noOfferMessage(o: PlanOptions, offers: Offer[], minVramGb: number, errors: Plan['offerErrors'], wanted: Set<string> | undefined, gpuOf: (x: Offer) => string, shape: Batch): string {
  const parts = [`${offers.length} offer(s) listed`];
  const available = offers.filter((x) => x.available);
  parts.push(`${available.length} available`);
  if (wanted) parts.push(`${available.filter((x) => wanted.has(gpuOf(x))).length} with GPU "${o.gpu}" (offered: ${[...new Set(available.map(gpuOf))].join(', ') || 'none'})`);
  const sized = shape.minVramGb === minVramGb ? ` (what keeps ${shape.modelFile} whole on one GPU; --model <profile> estimates it as that profile instead, offloaded if it must)` : '';
  parts.push(`${available.filter((x) => x.vramGb >= minVramGb).length} with ≥ ${minVramGb} GB VRAM${sized}`);
  if (o.maxUsdPerHour !== undefined) parts.push(`${available.filter((x) => x.usdPerHour <= o.maxUsdPerHour!).length} at ≤ $${o.maxUsdPerHour}/h`);
  const errs = errors.length ? `; errors: ${errors.map((e) => `${e.provider} ${e.code}`).join(', ')}` : '';
  return `no offer fits: ${parts.join(', ')}${errs}`;
}
