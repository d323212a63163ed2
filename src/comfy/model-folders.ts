/**
 * Which combo inputs of the core nodes list files of which model folder (ComfyUI nodes.py:
 * `folder_paths.get_filename_list("checkpoints")` and friends), so a model scheduled for download can satisfy a
 * combo check before it exists on the machine. Folder names are ComfyUI's (`GET /models`, reference §1.13).
 */

/** `Class.input` → model folder. */
export const MODEL_INPUTS: Record<string, string> = {
  'CheckpointLoaderSimple.ckpt_name': 'checkpoints',
  'CheckpointLoader.ckpt_name': 'checkpoints',
  'CheckpointLoader.config_name': 'configs',
  'unCLIPCheckpointLoader.ckpt_name': 'checkpoints',
  'ImageOnlyCheckpointLoader.ckpt_name': 'checkpoints',
  'LoraLoader.lora_name': 'loras',
  'LoraLoaderModelOnly.lora_name': 'loras',
  'VAELoader.vae_name': 'vae',
  'UNETLoader.unet_name': 'diffusion_models',
  'CLIPLoader.clip_name': 'text_encoders',
  'DualCLIPLoader.clip_name1': 'text_encoders',
  'DualCLIPLoader.clip_name2': 'text_encoders',
  'TripleCLIPLoader.clip_name1': 'text_encoders',
  'TripleCLIPLoader.clip_name2': 'text_encoders',
  'TripleCLIPLoader.clip_name3': 'text_encoders',
  'ControlNetLoader.control_net_name': 'controlnet',
  'DiffControlNetLoader.control_net_name': 'controlnet',
  'CLIPVisionLoader.clip_name': 'clip_vision',
  'StyleModelLoader.style_model_name': 'style_models',
  'UpscaleModelLoader.model_name': 'upscale_models',
  'GLIGENLoader.gligen_name': 'gligen',
  'HypernetworkLoader.hypernetwork_name': 'hypernetworks',
  'QuadrupleCLIPLoader.clip_name1': 'text_encoders',
  'QuadrupleCLIPLoader.clip_name2': 'text_encoders',
  'QuadrupleCLIPLoader.clip_name3': 'text_encoders',
  'QuadrupleCLIPLoader.clip_name4': 'text_encoders',
  'CreateHookLora.lora_name': 'loras',
  'CreateHookLoraModelOnly.lora_name': 'loras',
  'CreateHookModelAsLora.ckpt_name': 'checkpoints',
  'CreateHookModelAsLoraModelOnly.ckpt_name': 'checkpoints',
  'PhotoMakerLoader.photomaker_model_name': 'photomaker',
  'ModelPatchLoader.name': 'model_patches',
  'AudioEncoderLoader.audio_encoder_name': 'audio_encoders',
};

/** Folders ComfyUI knows (`GET /models`), plus the legacy names its loaders still accept. */
export const MODEL_FOLDERS = [
  'checkpoints', 'configs', 'loras', 'vae', 'text_encoders', 'diffusion_models', 'clip_vision', 'style_models', 'embeddings',
  'diffusers', 'vae_approx', 'controlnet', 'gligen', 'upscale_models', 'hypernetworks', 'photomaker', 'classifiers',
  'model_patches', 'audio_encoders',
] as const;

const LEGACY_FOLDERS: Record<string, string> = { clip: 'text_encoders', unet: 'diffusion_models', t2i_adapter: 'controlnet' };

/** ComfyUI's folder for a user-given name (legacy `clip`/`unet` mapped), or undefined when unknown. */
export function canonicalFolder(name: string): string | undefined {
  const lower = name.toLowerCase();
  if ((MODEL_FOLDERS as readonly string[]).includes(lower)) return lower;
  return LEGACY_FOLDERS[lower];
}

export function modelFolderOf(classType: string, input: string): string | undefined {
  return MODEL_INPUTS[`${classType}.${input}`];
}

/** Combo inputs whose file is checked by the node itself (VALIDATE_INPUTS), not against the list: images. */
export const FILE_INPUTS: Record<string, string> = { 'LoadImage.image': 'input', 'LoadImageMask.image': 'input' };
