/**
 * Which model a prompt loads, so that calibration and reports only count prompts of a known model profile: a
 * checkpoint or diffusion-model loader (the lowest node id if several), with the estimator's profile guessed from
 * the file name, or "none" for a model-free prompt (EmptyImage → ImageInvert → SaveImage).
 * The profile names are the estimator's (src/estimate/profiles.ts); they are repeated here because comfy must not
 * import from the estimator.
 */
import type { ApiPrompt } from '../types';
import { modelFolderOf } from '../model-folders';
import { isObject } from './format';

type ProfileName = 'sd15' | 'sdxl' | 'sd-turbo' | 'lcm' | 'flux-dev' | 'flux-schnell';

export type PromptModel =
  | { loads: 'none' }
  | { loads: 'model'; nodeId: string; classType: string; file: string; /** undefined: a model no profile describes (SD3, Wan, …). */ profile?: ProfileName };

/** Loader class → the input naming the main model file. */
const MAIN_LOADERS: Record<string, string> = {
  CheckpointLoaderSimple: 'ckpt_name',
  CheckpointLoader: 'ckpt_name',
  ImageOnlyCheckpointLoader: 'ckpt_name',
  unCLIPCheckpointLoader: 'ckpt_name',
  UNETLoader: 'unet_name',
};

export function promptModel(prompt: ApiPrompt): PromptModel {
  const ids = Object.keys(prompt).filter((id) => isObject(prompt[id]) && isObject(prompt[id].inputs));
  const loaders = ids.filter((id) => MAIN_LOADERS[prompt[id].class_type]).sort((a, b) => Number(a) - Number(b) || a.localeCompare(b));
  if (loaders.length === 0) return otherLoader(prompt, ids) ?? { loads: 'none' };
  const id = loaders[0];
  const classType = prompt[id].class_type;
  const file = String(prompt[id].inputs[MAIN_LOADERS[classType]] ?? '');
  const loras = ids.filter((x) => /^Lora/.test(prompt[x].class_type)).map((x) => String(prompt[x].inputs.lora_name ?? ''));
  return { loads: 'model', nodeId: id, classType, file, profile: guessProfile(file, loras) };
}

/** From file names: positive evidence only, so an unknown family gives undefined rather than a wrong profile. */
function guessProfile(file: string, loras: string[] = []): ProfileName | undefined {
  const f = file.toLowerCase().replace(/\\/g, '/');
  if (f.includes('flux')) return f.includes('schnell') ? 'flux-schnell' : f.includes('dev') ? 'flux-dev' : undefined;
  if (/turbo/.test(f)) return /xl/.test(f) ? undefined : 'sd-turbo';
  const xl = /(^|[^a-z])(sd_?xl|sdxl)|xl_base|_xl_|juggernautxl|realvisxl/.test(f);
  if (xl) return loras.some((l) => /lcm/i.test(l)) ? 'lcm' : 'sdxl';
  if (/v1-5|v1\.5|sd15|sd_1\.5|sd-v1|1-5-pruned/.test(f)) return 'sd15';
  return undefined;
}

/**
 * A model loaded by another node (an upscaler, a custom pack's loader): not a profile, but not model-free either,
 * so it is never estimated at the model-free figure. Evidence: an input naming a model folder, or a loader's name.
 */
function otherLoader(prompt: ApiPrompt, ids: string[]): PromptModel | undefined {
  for (const id of ids) {
    const { class_type: classType, inputs } = prompt[id];
    const input = Object.keys(inputs).find((name) => modelFolderOf(classType, name) !== undefined);
    if (input || /Loader|Load\w*(Model|Checkpoint|Unet|Clip|Vae|Lora)/i.test(classType)) return { loads: 'model', nodeId: id, classType, file: input ? String(inputs[input] ?? '') : '' };
  }
  return undefined;
}
