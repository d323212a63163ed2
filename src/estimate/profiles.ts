/**
 * Model profiles: what one image of each model costs beyond the catalog's per-GPU throughput.
 *
 * Time per image = fixed overhead (text encode, VAE decode, save) + steps x seconds per step. The catalog gives
 * end-to-end figures (overhead included) for three throughput models (sd15, sdxl, flux-dev); `overheadShare` says how
 * much of such a figure at `referenceSteps` is overhead, which fixes the split. Few-step profiles reuse their base's
 * rows with a per-step cost factor. [V] / [I] tags follow docs/reference/throughput-and-prices.md.
 */
import { BadInputError } from '../../providers/errors';

export interface ModelProfile {
  name: string;
  title: string;
  width: number;
  height: number;
  defaultSteps: number;
  /** Catalog throughput rows this profile reads. */
  throughputModel: string;
  /** Cost of one step relative to one step of the throughput model (0.5 = no CFG, one UNet pass instead of two). */
  stepCostFactor: number;
  /** Share of the end-to-end time at referenceSteps that does not scale with steps. Set on throughput models. */
  overheadShare: number;
  referenceSteps: number;
  /** Checkpoint and extra files downloaded to a fresh machine, GB. */
  modelDownloadGb: number;
  /** Loading the model into VRAM before the first image. */
  modelLoadSeconds: number;
  minVramGb: number;
  /** Where each number comes from. */
  basis: string;
  /** A figure per image that needs no throughput row (model-free prompts: no model, no steps). */
  fixedSecondsPerImage?: number;
}

const SD15_SHARE_BASIS = 'overhead 10 % of a 20-step 512 image [I: a quarter of the VAE work of SDXL-1024, where end-to-end is 10-30 % below sampler it/s, reference §0]';

export const PROFILES: readonly ModelProfile[] = [
  {
    name: 'sd15', title: 'Stable Diffusion 1.5', width: 512, height: 512, defaultSteps: 20,
    throughputModel: 'sd15', stepCostFactor: 1, overheadShare: 0.1, referenceSteps: 20,
    modelDownloadGb: 2.1, modelLoadSeconds: 10, minVramGb: 4,
    basis: `20 steps as the vladmandic benchmark [V]; ${SD15_SHARE_BASIS}; 2.1 GB fp16 checkpoint [I]; load 10 s [I, reference §4: 10-60 s]`,
  },
  {
    name: 'sdxl', title: 'Stable Diffusion XL 1.0', width: 1024, height: 1024, defaultSteps: 20,
    throughputModel: 'sdxl', stepCostFactor: 1, overheadShare: 0.2, referenceSteps: 20,
    modelDownloadGb: 6.5, modelLoadSeconds: 20, minVramGb: 8,
    basis: '20 steps [V vladmandic]; overhead 20 % of a 20-step image [I: end-to-end it/s 10-30 % below sampler it/s, reference §0; HF lcm_lora.md timings imply 13-26 %]; 6.5 GB checkpoint [V reference §4]; load 20 s [I]',
  },
  {
    name: 'sd-turbo', title: 'SD-Turbo (SD 2.1 distilled)', width: 512, height: 512, defaultSteps: 1,
    throughputModel: 'sd15', stepCostFactor: 0.5, overheadShare: 0.1, referenceSteps: 20,
    modelDownloadGb: 2.6, modelLoadSeconds: 10, minVramGb: 4,
    basis: '1 step, no CFG: half the UNet passes of a CFG step [I]; SD 2.1 UNet about the size of SD 1.5, so sd15 rows [I]; 2.6 GB fp16 checkpoint [I]',
  },
  {
    name: 'lcm', title: 'SDXL + LCM-LoRA', width: 1024, height: 1024, defaultSteps: 4,
    throughputModel: 'sdxl', stepCostFactor: 0.5, overheadShare: 0.2, referenceSteps: 20,
    modelDownloadGb: 6.9, modelLoadSeconds: 25, minVramGb: 8,
    basis: '4 steps [V huggingface/blog lcm_lora.md]; guidance 1 = no CFG, half the cost of a CFG step [I; consistent with the blog: RTX 4090 3.4 s at 25 steps vs 0.7 s at 4 LCM steps]; SDXL + 0.4 GB LoRA [I]',
  },
  {
    name: 'flux-dev', title: 'FLUX.1-dev (fp8 checkpoint)', width: 1024, height: 1024, defaultSteps: 20,
    throughputModel: 'flux-dev', stepCostFactor: 1, overheadShare: 0.05, referenceSteps: 20,
    modelDownloadGb: 17, modelLoadSeconds: 60, minVramGb: 12,
    basis: '20 steps as the RTX 5090 measurement [V vladmandic 2025-12]; catalog rows are the rate with the model resident in ComfyUI, between that card\'s per-call and best-batch figures [I]; overhead 5 % [I: T5/CLIP encode and VAE decode, ~0.3-1 s (reference §1d), against 20 steps of a 12B transformer]; 17 GB fp8 checkpoint with text encoders [I]; load 60 s [I, reference §4 upper end]',
  },
  {
    name: 'flux-schnell', title: 'FLUX.1-schnell (fp8 checkpoint)', width: 1024, height: 1024, defaultSteps: 4,
    throughputModel: 'flux-dev', stepCostFactor: 1, overheadShare: 0.05, referenceSteps: 20,
    modelDownloadGb: 17, modelLoadSeconds: 60, minVramGb: 12,
    basis: '4 steps [V reference §1c, schnell]; the same 12B transformer as dev and neither uses CFG, so the same step cost [I]',
  },
];

/**
 * Prompts that load no model (EmptyImage/LoadImage → ImageInvert → SaveImage): image nodes run in milliseconds, so
 * no GPU's throughput says anything about them. Not a `--model` choice: a batch is model-free by what it loads.
 */
export const MODEL_FREE: ModelProfile = {
  name: 'model-free', title: 'image nodes, no model loaded', width: 512, height: 512, defaultSteps: 0,
  throughputModel: 'model-free', stepCostFactor: 0, overheadShare: 0, referenceSteps: 1,
  modelDownloadGb: 0, modelLoadSeconds: 0, minVramGb: 0, fixedSecondsPerImage: 1,
  basis: '1 s per prompt [I: the real ComfyUI v0.3.64 ran EmptyImage → SaveImage in 26 ms and LoadImage → ImageInvert → SaveImage in 14 ms on CPU (../shared/comfyui/captures, execution_start → execution_success); the rest is room for larger canvases, queueing and the pull]',
};

export function profileNames(): string[] {
  return PROFILES.map((p) => p.name);
}

export function getProfile(name: string): ModelProfile {
  if (name === MODEL_FREE.name) return MODEL_FREE;
  const found = PROFILES.find((p) => p.name === name.trim().toLowerCase());
  if (!found) throw new BadInputError(`--model: unknown model "${name}"; accepted: ${profileNames().join(', ')}`);
  return found;
}

/** The profile whose rows (and overhead split) a profile reads. */
export function throughputProfile(profile: ModelProfile): ModelProfile {
  return PROFILES.find((p) => p.name === profile.throughputModel) ?? profile;
}

/**
 * The profile a checkpoint file name says it is, or undefined when the name does not say (a fine-tune called
 * "dreamy.safetensors", SDXL-Turbo, which has no profile). Unlike a guess for estimating, this never falls back:
 * a measurement is kept only for a model we can name. "sd_xl_base_1.0.safetensors" → sdxl,
 * "v1-5-pruned-emaonly-fp16.safetensors" → sd15, "flux1-dev-fp8.safetensors" → flux-dev.
 */
export function profileOfModelFile(fileName: string): string | undefined {
  const name = fileName.toLowerCase().replace(/^.*[\\/]/, '');
  if (name.includes('flux')) return name.includes('schnell') ? 'flux-schnell' : name.includes('dev') ? 'flux-dev' : undefined;
  // "xl" anywhere: SDXL fine-tunes carry it in their names (juggernautXL) and run at SDXL's speed.
  if (name.includes('xl')) return name.includes('turbo') ? undefined : name.includes('lcm') ? 'lcm' : 'sdxl';
  if (/sd[-_]?turbo/.test(name)) return 'sd-turbo';
  if (/v1[-_.]5|sd[-_]?1[-_.]?5|sd15/.test(name)) return 'sd15';
  return undefined;
}
