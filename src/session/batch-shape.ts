/**
 * What the estimator needs to know about a batch, read from its expanded prompts: image count, steps, size, batch
 * size, and the model profile — given by the user or guessed from the checkpoint's file name.
 */
import { BadInputError } from '../../providers/errors';
import type { ExpandedPrompt } from '../comfy/batch/expand';
import type { Batch } from '../estimate/estimator';
import { profileNames } from '../estimate/profiles';

export function batchShape(prompts: ExpandedPrompt[], model?: string): Batch {
  let steps = 20;
  let width = 0;
  let height = 0;
  let batchSize = 1;
  let checkpoint = '';
  for (const node of Object.values(prompts[0].prompt)) {
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

/** From a checkpoint file name: "sd_xl_base_1.0.safetensors" → sdxl, "flux1-schnell" → flux-schnell, else sd15. */
function guessProfile(checkpoint: string): string {
  const c = checkpoint.toLowerCase();
  if (c.includes('flux')) return c.includes('schnell') ? 'flux-schnell' : 'flux-dev';
  if (c.includes('turbo')) return 'sd-turbo';
  if (c.includes('lcm')) return 'lcm';
  if (/xl/.test(c)) return 'sdxl';
  return 'sd15';
}
