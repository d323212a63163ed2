/**
 * Reads a batch file: YAML syntax, then the schema (./schema), then what the schema cannot see (workflow files
 * that exist and parse, UI graphs converted, image folders, model names). Every error is collected, each with its
 * place in the file, and reported together in one BatchFileError.
 */
import { NodePack, nodePack } from './nodes';
import fs from 'fs';
import path from 'path';
import { parseDocument } from 'yaml';
import type { core } from 'zod';
import { BadInputError } from '../../../providers/errors';
import { canonicalFolder } from '../model-folders';
import type { ApiPrompt, ObjectInfo } from '../types';
import { convertUiToApi } from '../workflow/convert';
import { EmbeddedModel, embeddedModels } from '../workflow/embedded-models';
import { readWorkflowFile } from '../workflow/format';
import { nodePacksOf } from '../workflow/node-packs';
import { nodeInfo } from '../workflow/object-info';
import { mib, readUserText } from '../../read-text';
import { COMFYUI_VERSION } from '../version';
import { BatchFile, BatchSchema, ModelEntry, ModelSchema, formatPath } from './schema';

export interface PathError {
  /** Place in the batch file: `workflows[2].repeat`, or '' for the file as a whole. */
  path: string;
  message: string;
}

/** Everything wrong with a batch file, each error with its place; the message lists them one per line. */
export class BatchFileError extends BadInputError {
  readonly errors: PathError[];
  constructor(file: string, errors: PathError[]) {
    const lines = errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message));
    super(errors.length === 1 ? `${file}: ${lines[0]}` : `${file} has ${errors.length} errors:\n  ${lines.join('\n  ')}`);
    this.errors = errors;
  }
}

interface ImageInput {
  node?: string;
  /** The folder's images, or the one `file:`. */
  files: string[];
  /** `workflows[2].images` or `workflows[2].images[1]`. */
  where: string;
  /** A `file:` (the same image in every prompt) rather than a folder. */
  fixed: boolean;
}

export interface LoadedWorkflow {
  /** Index in `workflows:` (for error paths). */
  index: number;
  name: string;
  file: string;
  format: 'api' | 'ui';
  prompt: ApiPrompt;
  /** One per `images:` entry: the LoadImage node it feeds (when named), its files, its place in the batch file. */
  images: ImageInput[];
  /** A UI workflow's custom classes → the node pack it names for each (../workflow/node-packs). */
  packs?: Map<string, string>;
}

interface LoadedModel extends ModelEntry {
  folder: string;
  name: string;
  /** The URL names no file (Civitai `/api/download/models/128713`): the machine takes the name the server gives. */
  nameFromServer?: boolean;
  /** Taken from this workflow's own download links (`workflowModels`), not from `models:`. */
  fromWorkflow?: string;
}

export interface LoadedBatch {
  file: string;
  dir: string;
  spec: BatchFile;
  outputDir: string;
  models: LoadedModel[];
  /** Custom node packs to install on the machine, in the file's order. */
  nodes: NodePack[];
  workflows: LoadedWorkflow[];
}

const IMAGE_EXT = new Set(['.png', '.jpg', '.jpeg', '.webp', '.bmp', '.gif', '.tif', '.tiff']);

/**
 * `objectInfo` converts UI-format workflows (the bundled snapshot by default, chosen by the caller). Errors go to
 * `collect` when given (so expansion can add its own before one report), else they are thrown at once.
 */
export function loadBatch(file: string, objectInfo: ObjectInfo, collect?: PathError[]): LoadedBatch {
  const spec = parseBatch(file);
  const dir = path.dirname(path.resolve(file));
  const errors: PathError[] = collect ?? [];
  const models = spec.models?.map((m, i) => loadModel(m, i, errors)) ?? [];
  const seen = new Map<string, number>();
  models.forEach((m, i) => {
    const key = `${m.folder}/${m.name}`;
    if (seen.has(key)) errors.push({ path: `models[${i}].name`, message: `${key} is already listed at models[${seen.get(key)}]` });
    seen.set(key, i);
  });
  const names = new Map<string, number>();
  const workflows: LoadedWorkflow[] = [];
  const linked: (EmbeddedModel & { workflow: string })[] = [];
  spec.workflows.forEach((w, index) => {
    const where = `workflows[${index}]`;
    const wfFile = path.resolve(dir, w.path);
    const name = w.name ?? path.basename(w.path).replace(/(\.api|\.ui)?\.json$/i, '').replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 64);
    if (names.has(name)) errors.push({ path: `${where}.name`, message: `"${name}" is already used by workflows[${names.get(name)}]; give each workflow its own name` });
    names.set(name, index);
    const entries = w.images === undefined ? [] : Array.isArray(w.images) ? w.images.map((e, k) => [e, `${where}.images[${k}]`] as const) : [[w.images, `${where}.images`] as const];
    const images: ImageInput[] = entries.map(([e, at]) => ({
      node: e.node,
      where: at,
      fixed: e.file !== undefined,
      files: e.folder !== undefined ? listImages(path.resolve(dir, e.folder), `${at}.folder`, errors) : imageFile(path.resolve(dir, e.file!), `${at}.file`, errors),
    }));
    try {
      const { format, json } = readWorkflowFile(wfFile);
      const packs = format === 'ui' ? nodePacksOf(json) : undefined;
      const missing = [...(packs ?? [])].filter(([cls]) => !nodeInfo(objectInfo, cls));
      if (missing.length) {
        // Its custom nodes' widget values can only be named with their definitions, which only a server has.
        errors.push({ path: `${where}.path`, message: customUiMessage(missing) });
        return;
      }
      const prompt = format === 'api' ? (json as ApiPrompt) : convertUiToApi(json as Parameters<typeof convertUiToApi>[0], objectInfo);
      workflows.push({ index, name, file: wfFile, format, prompt, images, ...(packs?.size ? { packs } : {}) });
      if (format === 'ui' && spec.workflowModels !== false) linked.push(...embeddedModels(json, prompt).map((m) => ({ ...m, workflow: name })));
    } catch (err) {
      errors.push({ path: `${where}.path`, message: err instanceof BadInputError ? err.message.replace(`${wfFile}: `, '') : String(err) });
    }
  });
  models.push(...fromWorkflows(linked, models));
  const nodes = (spec.nodes ?? []).map(nodePack);
  nodes.forEach((n, i) => {
    const first = nodes.findIndex((o) => o.name === n.name);
    if (first < i) errors.push({ path: `nodes[${i}]`, message: `installs into custom_nodes/${n.name}, as nodes[${first}] does; list each pack once` });
  });
  if (errors.length && !collect) throw new BatchFileError(file, errors);
  const outputDir = path.resolve(dir, spec.output ?? path.join('outputs', path.basename(file).replace(/\.ya?ml$/i, '')));
  return { file, dir, spec, outputDir, models, nodes, workflows };
}

/**
 * The workflows' own download links for models `models:` does not list (the batch file's entry wins). A link the
 * batch file could not hold (not http(s), an unknown folder, a path for a name) is left out: the check of the
 * prompts then names the model as missing, as without the link.
 */
function fromWorkflows(linked: (EmbeddedModel & { workflow: string })[], listed: LoadedModel[]): LoadedModel[] {
  const have = new Set(listed.map((m) => `${m.folder}/${m.name}`));
  const out: LoadedModel[] = [];
  for (const m of linked) {
    const entry = ModelSchema.safeParse({ url: m.url, folder: m.folder, name: m.name });
    if (!entry.success) continue;
    const folder = canonicalFolder(m.folder) ?? m.folder;
    if (have.has(`${folder}/${m.name}`)) continue;
    have.add(`${folder}/${m.name}`);
    out.push({ ...entry.data, folder, name: m.name, fromWorkflow: m.workflow });
  }
  return out;
}

function customUiMessage(missing: [string, string][]): string {
  const list = missing.map(([cls, pack]) => `${cls} (pack ${pack})`).join(', ');
  return `uses node classes that are not core nodes of ComfyUI v${COMFYUI_VERSION}: ${list}; a UI workflow with custom nodes converts only with their definitions: convert it on a ComfyUI that has the packs (gpuburst workflow convert --server <url>) and list the packs under nodes:`;
}

/**
 * Limits that keep a mistake from becoming hours of parsing or a journal of millions of prompts. A batch file
 * lists workflows and their variations, not single prompts: a real one is a few kilobytes.
 */
export const BATCH_LIMITS = { fileBytes: 1024 * 1024, prompts: 100_000 };

/** YAML + schema only. */
export function parseBatch(file: string): BatchFile {
  let text: string;
  try {
    const bytes = fs.statSync(file).size;
    if (bytes > BATCH_LIMITS.fileBytes) {
      throw new BatchFileError(file, [{ path: '', message: `is ${mib(bytes)}; a batch file is at most ${mib(BATCH_LIMITS.fileBytes)} (list workflows with repeat:, seeds: and substitutions:, not single prompts)` }]);
    }
    text = readUserText(file, BATCH_LIMITS.fileBytes); // refuses /dev/zero (size 0) and pipes
  } catch (err) {
    if (err instanceof BadInputError) throw err;
    throw new BadInputError(`${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const doc = parseDocument(text);
  if (doc.errors.length) {
    const where = (e: (typeof doc.errors)[number]) => (e.linePos ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}: ` : '');
    throw new BatchFileError(file, doc.errors.map((e) => ({ path: '', message: `${where(e)}${e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}` })));
  }
  let value: unknown;
  try {
    // yaml refuses alias bombs ("billion laughs") past maxAliasCount with a plain Error: one line, not a crash.
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new BatchFileError(file, [{ path: '', message: `cannot be read as YAML data (${(err as Error).message.split('\n')[0]}); a batch file needs no more than a few aliases` }]);
  }
  if (value === null || value === undefined || typeof value !== 'object' || Array.isArray(value)) {
    const what = value === null || value === undefined ? 'is empty' : Array.isArray(value) ? 'is a list' : `is a single ${typeof value}`;
    throw new BatchFileError(file, [{ path: '', message: `${what}; a batch file is a mapping with at least a workflows: list (see examples/sd15-batch.yaml)` }]);
  }
  const parsed = BatchSchema.safeParse(value);
  if (!parsed.success) throw new BatchFileError(file, flattenIssues(parsed.error.issues));
  return parsed.data;
}

/** zod issues → path errors; a union failure reports the branch the value was evidently meant for. */
function flattenIssues(issues: readonly core.$ZodIssue[], prefix: PropertyKey[] = []): PathError[] {
  const out: PathError[] = [];
  for (const issue of issues) {
    const at = [...prefix, ...issue.path];
    if (issue.code === 'invalid_union' && issue.errors.length) {
      const branch = issue.errors.find((b) => !b.some((e) => e.path.length === 0 && (e.code === 'invalid_type' || e.code === 'invalid_value')));
      if (branch) {
        out.push(...flattenIssues(branch, at));
        continue;
      }
    }
    const message = issue.code === 'unrecognized_keys' ? `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}` : issue.message;
    out.push({ path: formatPath(at), message });
  }
  return out;
}

function loadModel(m: ModelEntry, i: number, errors: PathError[]): LoadedModel {
  const folder = canonicalFolder(m.folder) ?? m.folder;
  if (m.name) return { ...m, folder, name: m.name };
  const name = decodeURIComponent(new URL(m.url).pathname.split('/').pop() ?? '');
  if (!name || name.includes('..')) errors.push({ path: `models[${i}].name`, message: `cannot take a file name from ${m.url}; add name:` });
  // A last segment without an extension is an id, not a file name: ComfyUI would ignore a file saved under it.
  return { ...m, folder, name, ...(name.includes('.') ? {} : { nameFromServer: true }) };
}

/** A `file:` entry: an existing image file, or an error at its place. */
function imageFile(file: string, where: string, errors: PathError[]): string[] {
  if (!IMAGE_EXT.has(path.extname(file).toLowerCase())) {
    errors.push({ path: where, message: `${file} is not an image (${[...IMAGE_EXT].join(' ')})` });
    return [];
  }
  try {
    if (fs.statSync(file).isFile()) return [file];
    errors.push({ path: where, message: `${file} is not a file` });
  } catch (err) {
    errors.push({ path: where, message: `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` });
  }
  return [];
}

function listImages(folder: string, where: string, errors: PathError[]): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(folder, { withFileTypes: true });
  } catch (err) {
    errors.push({ path: where, message: `cannot read ${folder} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` });
    return [];
  }
  const images = entries.filter((e) => e.isFile() && IMAGE_EXT.has(path.extname(e.name).toLowerCase())).map((e) => path.join(folder, e.name)).sort();
  if (images.length === 0) errors.push({ path: where, message: `${folder} holds no images (${[...IMAGE_EXT].join(' ')})` });
  return images;
}
