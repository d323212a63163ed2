/**
 * The batch file (YAML): what to render, what to put on the machine, where the images go. Validated with zod so
 * that every error names its place in the file (`workflows[2].repeat: must be a positive integer`).
 *
 * @example
 * output: ./outputs/sdxl
 * models:
 *   - url: https://huggingface.co/stabilityai/stable-diffusion-xl-base-1.0/resolve/main/sd_xl_base_1.0.safetensors
 *     folder: checkpoints
 * workflows:
 *   - path: sdxl-txt2img.api.json
 *     repeat: 4
 *     seeds: increment
 *     substitutions:
 *       - find: "{subject}"
 *         values: [a red fox, an old lighthouse]
 */
import { z } from 'zod';
import { knownComfyuiVersions } from '../../../providers/images';
import { canonicalFolder } from '../model-folders';
import { NodeEntrySchema } from './nodes';

const positiveInt = (what = 'must be a positive integer') => z.number({ error: what }).int({ error: what }).positive({ error: what });
const text = (what: string) => z.string({ error: what }).min(1, { error: what });

/** A relative path without `..`: where a model lands below its folder on the machine. */
const safeRelative = text('must be a file name').refine((s) => !s.startsWith('/') && !s.includes('\\') && !s.split('/').includes('..') && !/^[A-Za-z]:/.test(s), {
  error: 'must be a plain relative name (no "..", no absolute path, "/" only between folders)',
});

export const ModelSchema = z
  .object({
    /** Where the machine downloads the file from (Hugging Face, Civitai, …). */
    url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
    /** ComfyUI model folder: checkpoints, loras, vae, text_encoders (clip), diffusion_models (unet), controlnet, … */
    folder: text('must be a model folder such as checkpoints, loras or vae').refine((f) => canonicalFolder(f) !== undefined, {
      error: 'is not a ComfyUI model folder (checkpoints, loras, vae, text_encoders, diffusion_models, controlnet, upscale_models, embeddings, clip_vision, …)',
    }),
    /** File name as the workflow refers to it. @default the last segment of the URL path */
    name: safeRelative.optional(),
    /** Checked after download when given. */
    sha256: z.string({ error: 'must be 64 hex digits' }).regex(/^[0-9a-fA-F]{64}$/, { error: 'must be 64 hex digits' }).optional(),
    /**
     * Env var holding the token for this URL's host (sent only to that host, and only with `modelTokens: true`).
     * @default HF_TOKEN for huggingface.co, CIVITAI_TOKEN for civitai.com
     */
    auth: z.string({ error: 'must be an environment variable name such as HF_TOKEN' }).regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'must be an environment variable name such as HF_TOKEN' }).optional(),
  })
  .strict();

const SeedMode = z.enum(['random', 'increment', 'list'], { error: 'must be random, increment or list' });

/** `random` (default), `increment`, a list of seeds, or `{mode, start, values}`. */
const SeedsSchema = z.union(
  [
    SeedMode,
    z.array(z.number({ error: 'seeds must be integers' }).int({ error: 'seeds must be integers' }).nonnegative({ error: 'seeds must be ≥ 0' })).min(1, { error: 'needs at least one seed' }),
    z
      .object({
        mode: SeedMode,
        /** First seed for `increment`. @default the seed in the workflow */
        start: z.number({ error: 'must be an integer ≥ 0' }).int({ error: 'must be an integer ≥ 0' }).nonnegative({ error: 'must be an integer ≥ 0' }).optional(),
        values: z.array(z.number({ error: 'seeds must be integers' }).int({ error: 'seeds must be integers' }).nonnegative({ error: 'seeds must be ≥ 0' })).min(1, { error: 'needs at least one seed' }).optional(),
      })
      .strict(),
  ],
  { error: 'must be random, increment, a list of seeds, or {mode, start, values}' },
);

const SubstitutionSchema = z.union(
  [
    /** Replace this text in every text input of the workflow, one prompt per value. */
    z.object({ find: text('must be the text to replace'), values: z.array(z.string({ error: 'values must be strings' }), { error: 'must be a list of strings' }).min(1, { error: 'needs at least one value' }) }).strict(),
    /** Set one node input, one prompt per value. */
    z
      .object({
        node: z.union([z.string(), z.number()], { error: 'must be a node id' }).transform(String),
        input: text('must be an input name'),
        values: z.array(z.union([z.string(), z.number(), z.boolean()]), { error: 'must be a list of values' }).min(1, { error: 'needs at least one value' }),
      })
      .strict(),
  ],
  { error: 'must be {find, values} or {node, input, values}' },
);

const ImageInputSchema = z
  .object({
    folder: text('must be a folder').optional(),
    file: text('must be an image file').optional(),
    node: z.union([z.string(), z.number()], { error: 'must be a node id' }).transform(String).optional(),
  })
  .strict()
  .refine((i) => (i.folder === undefined) !== (i.file === undefined), { error: 'needs folder: (one prompt per image in it) or file: (the same image in every prompt), not both' });

const WorkflowEntrySchema = z
  .object({
    /** API- or UI-format JSON, relative to the batch file. */
    path: text('must be the path of a workflow JSON file'),
    /** Names the prompts' ids and output files. @default the file name without extension */
    name: z.string({ error: 'must be a short name' }).regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, { error: 'must be letters, digits, ".", "_" or "-" (at most 64)' }).optional(),
    /** Prompts per combination of images and substitutions. @default 1 */
    repeat: positiveInt().optional(),
    seeds: SeedsSchema.optional(),
    substitutions: z.array(SubstitutionSchema, { error: 'must be a list' }).optional(),
    /**
     * Images fed to LoadImage nodes: `folder:` gives one prompt per image in it, `file:` the same image to every
     * prompt (paths relative to the batch file). A list feeds several LoadImage nodes, each named by `node:`; the
     * prompts are every combination.
     */
    images: z.union([ImageInputSchema, z.array(ImageInputSchema, { error: 'must be a list of {folder or file, node}' }).min(1, { error: 'needs at least one entry' })], { error: 'must be {folder or file, node} or a list of them' }).optional(),
  })
  .strict();

/**
 * `comfyui: <version>`: the ComfyUI release the machines run, one that a pinned image carries (providers/images.ts).
 * @default the provider's default pin
 * @example comfyui: "0.3.64"
 */
const ComfyuiVersionSchema = z
  .union([z.string(), z.number()], { error: () => `must be one of ${knownComfyuiVersions().join(', ')}` })
  .transform(String)
  .refine((v) => knownComfyuiVersions().includes(v.replace(/^v/, '')), { error: () => `must be one of ${knownComfyuiVersions().join(', ')}` })
  .transform((v) => v.replace(/^v/, ''));

const MachineKeys = { comfyui: ComfyuiVersionSchema.optional() };

export const BatchSchema = z
  .object({
    ...MachineKeys,
    version: z.literal(1, { error: 'must be 1' }).optional(),
    /** Folder for the pulled images, relative to the batch file. @default outputs/<batch file name> */
    output: text('must be a folder').optional(),
    workflows: z.array(WorkflowEntrySchema, { error: 'must be a list of workflows' }).min(1, { error: 'needs at least one workflow' }),
    models: z.array(ModelSchema, { error: 'must be a list of models' }).optional(),
    /** Custom node packs installed on the machine before any prompt (src/comfy/batch/nodes.ts). */
    nodes: z.array(NodeEntrySchema, { error: 'must be a list of node packs' }).optional(),
    /** Session defaults the run command may use. */
    provider: z.enum(['runpod', 'vast', 'lambda', 'paperspace', 'local'], { error: 'must be runpod, vast, lambda, paperspace or local' }).optional(),
    gpu: text('must be a GPU name such as "RTX 4090"').optional(),
    maxUsdPerHour: z.number({ error: 'must be a positive number' }).positive({ error: 'must be a positive number' }).optional(),
    budgetUsd: z.number({ error: 'must be a positive number' }).positive({ error: 'must be a positive number' }).optional(),
    interruptible: z.boolean({ error: 'must be true or false' }).optional(),
    /**
     * A model cache kept across sessions (RunPod network volume, Lambda filesystem; docs/models.md "Model cache"):
     * created if missing, never deleted by gpuburst except `gpuburst cache delete`. @example models-sdxl
     */
    cache: text('must be a cache name such as models-sdxl').optional(),
    /** Where a new cache is created: a RunPod data center (EU-RO-1) or a Lambda region (us-east-1). */
    cacheRegion: text('must be a region or data center id').optional(),
    /**
     * Hand HF_TOKEN, CIVITAI_TOKEN and the models' `auth:` variables from your environment to the machines, for
     * gated downloads. Each goes only to its own host and is scrubbed from every output. @default false
     */
    modelTokens: z.boolean({ error: 'must be true or false' }).optional(),
    /**
     * Place the models a UI workflow links to (ComfyUI templates list them with a URL) when it loads them and
     * `models:` does not list them. @default true
     */
    workflowModels: z.boolean({ error: 'must be true or false' }).optional(),
  })
  .strict();

export type BatchFile = z.infer<typeof BatchSchema>;
export type WorkflowEntry = z.infer<typeof WorkflowEntrySchema>;
export type ModelEntry = z.infer<typeof ModelSchema>;

/** `["workflows", 2, "repeat"]` → `workflows[2].repeat`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), '');
}
