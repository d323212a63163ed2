/**
 * What the estimator needs to know about a batch, read from its expanded prompts: image count, steps, size, batch
 * size, and the model profile — given by the user, guessed from the checkpoint's file name, or `model-free` when no
 * prompt loads a model (then there are no steps to claim, and no GPU speed to measure).
 */
import { BadInputError } from '../../providers/errors';
import type { ExpandedPrompt } from '../comfy/batch/expand';
import { promptModel } from '../comfy/workflow/model-load';
import type { Batch } from '../estimate/estimator';
import { MODEL_FREE, profileNames } from '../estimate/profiles';

export function batchShape(prompts: ExpandedPrompt[], model?: string): Batch {
  // The first prompt that loads a model describes the batch; a batch where none does is model-free.
  const loading = prompts.find((p) => promptModel(p.prompt).loads === 'model');
  if (!loading && model === undefined) return modelFreeShape(prompts);
  let steps = 20;
  let width = 0;
  let height = 0;
  let batchSize = 1;
  let checkpoint = '';
  let loader = '';
  let frames = 0;
  for (const node of Object.values((loading ?? prompts[0]).prompt)) {
    const i = node.inputs as Record<string, unknown>;
    if (/KSampler/.test(node.class_type) && typeof i.steps === 'number') steps = i.steps;
    const sized = typeof i.width === 'number' && typeof i.height === 'number';
    if (/Latent/.test(node.class_type) && sized) {
      width = i.width as number;
      height = i.height as number;
      if (typeof i.batch_size === 'number') batchSize = i.batch_size;
    }
    // A video latent or image-to-video node: a size and a number of frames (EmptyHunyuanLatentVideo, WanImageToVideo…).
    if (sized && typeof i.length === 'number' && i.length > 1) {
      frames = i.length;
      if (!width) [width, height] = [i.width as number, i.height as number];
    }
    for (const k of ['ckpt_name', 'unet_name']) {
      if (typeof i[k] === 'string' && !checkpoint) [checkpoint, loader] = [i[k] as string, k];
    }
  }
  const unknownModel = model === undefined ? notInCatalog(checkpoint, loader, frames) : undefined;
  // A stand-in for an unknown model: the heaviest image profile (its VRAM floor at least keeps small GPUs out).
  const profile = model ?? (unknownModel ? 'flux-dev' : guessProfile(checkpoint));
  if (!profileNames().includes(profile)) throw new BadInputError(`--model: unknown model "${profile}"; accepted: ${profileNames().join(', ')}`);
  const defaults = profile === 'sd15' || profile === 'lcm' || profile === 'sd-turbo' ? 512 : 1024;
  const shape: Batch = { model: profile, images: prompts.length * batchSize, steps, width: width || defaults, height: height || defaults, batchSize, precision: 'fp16' };
  return unknownModel ? { ...shape, unknownModel, ...(checkpoint ? { modelFile: checkpoint } : {}) } : shape;
}

/**
 * VRAM per GB of weights that keeps a model whole on one GPU: the weights plus a fifth for activations, latents and
 * the VAE decode [I]. ComfyUI runs a larger model partly offloaded to system RAM (slowly) or fails out of memory.
 */
const VRAM_PER_WEIGHT_GB = 1.2;

/**
 * A model the catalog has no figures for has no known VRAM need either; the stand-in's floor (12 GB) would let a
 * 16 GB card be rented for a 14B video model. The size of the file it loads, when the batch's `models:` download it
 * and its server states a size, sets the floor instead. Text encoders are left out: ComfyUI encodes, then frees them.
 */
export function withModelVram(shape: Batch, models: { name: string }[], sizes: (number | undefined)[]): Batch {
  if (!shape.unknownModel || !shape.modelFile) return shape;
  const base = (name: string) => name.split(/[\\/]/).pop();
  const i = models.findIndex((m) => base(m.name) === base(shape.modelFile!));
  const bytes = i >= 0 ? sizes[i] : undefined;
  if (!bytes) return shape;
  const modelGb = Math.round(bytes / 1e8) / 10;
  return { ...shape, modelGb, minVramGb: Math.ceil((bytes / 1e9) * VRAM_PER_WEIGHT_GB) };
}

/** The plan's line when the model's size raised the VRAM floor above its stand-in profile's. */
export function modelVramNote(shape: Batch, profileMinGb: number): string | undefined {
  if (!shape.minVramGb || shape.minVramGb <= profileMinGb) return undefined;
  return `GPUs with less than ${shape.minVramGb} GB VRAM left out: ${shape.modelFile} is ${shape.modelGb} GB of weights, kept whole on one GPU`;
}

/** Model families the catalog has no figures for, by file name (SD 1.x fine-tunes have any name, so those pass). */
const OTHER_FAMILIES = /sd3|sd_3|stable[-_]?cascade|hunyuan|wan2|wan_|ltx|cosmos|mochi|hidream|qwen|chroma|lumina|pixart|kolors|sana|omnigen|aura[-_]?flow|cogvideo|svd/i;

/**
 * Why the catalog's speeds do not apply, or undefined when they do: a video (frames), a diffusion model loaded on
 * its own (UNETLoader) that is not FLUX, or a checkpoint of another family.
 */
function notInCatalog(file: string, loader: string, frames: number): string | undefined {
  const name = file || 'its model';
  if (frames > 1) return `${name}, a video model (${frames} frames a prompt)`;
  if (loader === 'unet_name' && !/flux/i.test(file)) return `${name}, a diffusion model loaded on its own (not FLUX)`;
  if (OTHER_FAMILIES.test(file)) return `${name}, a model family the catalog has no figures for`;
  return undefined;
}

/** One image per prompt at the profile's fixed figure; the size is the first image node's, for the plan line. */
function modelFreeShape(prompts: ExpandedPrompt[]): Batch {
  const sized = Object.values(prompts[0].prompt).find((n) => typeof n.inputs?.width === 'number' && typeof n.inputs?.height === 'number');
  const width = (sized?.inputs.width as number | undefined) ?? MODEL_FREE.width;
  const height = (sized?.inputs.height as number | undefined) ?? MODEL_FREE.height;
  return { model: MODEL_FREE.name, images: prompts.length, steps: 0, width, height, batchSize: 1, precision: 'fp16' };
}

/** From a checkpoint file name: "sd_xl_base_1.0.safetensors" → sdxl, "flux1-schnell" → flux-schnell, else sd15. */
function guessProfile(checkpoint: string): string {
  const c = checkpoint.toLowerCase();
  if (c.includes('flux')) return c.includes('schnell') ? 'flux-schnell' : 'flux-dev';
  if (c.includes('turbo')) return 'sd-turbo';
  if (c.includes('lcm')) return 'lcm';
  if (/xl/.test(c)) return 'sdxl';
  return 'sd15';
}

/**
 * The one warning for a model the catalog has no speed for: the figures are a stand-in, and what follows from that.
 */
export function unknownModelNote(what: string, command: 'run' | 'estimate'): string {
  const then =
    command === 'run'
      ? "; the machines' watchdog lifetime cap is therefore its longest (48 h), and the run is not saved as a speed measurement: set --max-cost to bound the spend"
      : "; GPUs are listed down to FLUX.1-dev's 12 GB (run leaves out those too small for the model file's size)";
  return `speed unknown: ${what}; the catalog has figures for image models only, so times and costs are FLUX.1-dev's and can be far off (a video prompt takes minutes to hours); --model <profile> picks one knowingly${then}`;
}
