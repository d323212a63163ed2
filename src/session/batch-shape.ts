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
  for (const node of Object.values((loading ?? prompts[0]).prompt)) {
    const i = node.inputs as Record<string, unknown>;
    if (/KSampler/.test(node.class_type) && typeof i.steps === 'number') steps = i.steps;
    if (/Latent/.test(node.class_type) && typeof i.width === 'number' && typeof i.height === 'number') {
      width = i.width;
      height = i.height;
      if (typeof i.batch_size === 'number') batchSize = i.batch_size;
    }
    for (const k of ['ckpt_name', 'unet_name']) if (typeof i[k] === 'string') checkpoint ||= i[k] as string;
  }
  const profile = model ?? guessProfile(checkpoint);
  if (!profileNames().includes(profile)) throw new BadInputError(`--model: unknown model "${profile}"; accepted: ${profileNames().join(', ')}`);
  const defaults = profile === 'sd15' || profile === 'lcm' || profile === 'sd-turbo' ? 512 : 1024;
  return { model: profile, images: prompts.length * batchSize, steps, width: width || defaults, height: height || defaults, batchSize, precision: 'fp16' };
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
