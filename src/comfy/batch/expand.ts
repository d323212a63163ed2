/**
 * Batch → concrete API prompts. For each workflow: one prompt per input image × per combination of substitution
 * values × `repeat` (or per listed seed). Ids are content addresses (`<workflow>-<hash>`): the same file gives the
 * same ids, so a rerun skips what is done, and two prompts that would be identical (ComfyUI would answer the
 * second from its cache with the first one's image) are refused. Random seeds are derived from the prompt's
 * place in the batch, so they are stable too. The frontend's `filename_prefix` tokens (`%date:…%`, `%Title.widget%`)
 * are expanded as the web page would (./prefix-tokens).
 */
import crypto from 'crypto';
import fs from 'fs';
import path from 'path';
import type { RunnerPrompt } from '../runner';
import type { ApiPrompt, ObjectInfo } from '../types';
import { hasControlValue, nodeInfo } from '../workflow/object-info';
import { expandedPrefixes } from './prefix-tokens';
import { BATCH_LIMITS, BatchFileError, LoadedBatch, LoadedWorkflow, PathError, loadBatch } from './load';
import type { WorkflowEntry } from './schema';

export interface ExpandedPrompt extends RunnerPrompt {
  workflow: string;
  /** Position within its workflow, from 0. */
  index: number;
  seed?: number;
}

/** One value along one axis: how it changes the prompt, what identifies it (for seeds), an upload it needs. */
type Variation = { apply: (d: Draft) => void; key: unknown; upload?: { localPath: string; name: string } };

/**
 * A prompt under construction that shares untouched nodes with the workflow (10,000 prompts stay small): a node
 * is copied the first time one of its inputs is set.
 */
class Draft {
  readonly prompt: ApiPrompt;
  private readonly owned = new Set<string>();
  constructor(base: ApiPrompt) {
    this.prompt = { ...base };
  }
  set(node: string, input: string, value: unknown): void {
    if (!this.owned.has(node)) {
      this.prompt[node] = { ...this.prompt[node], inputs: { ...this.prompt[node].inputs } };
      this.owned.add(node);
    }
    this.prompt[node].inputs[input] = value;
  }
}

/** `at`: the time `%date:…%` prefix tokens show (the frontend's "queued at"). */
export function expandBatch(batch: LoadedBatch, objectInfo: ObjectInfo, collect?: PathError[], at = new Date()): ExpandedPrompt[] {
  const errors: PathError[] = collect ?? [];
  const out: ExpandedPrompt[] = [];
  const byHash = new Map<string, string>();
  for (const wf of batch.workflows) {
    const entry = batch.spec.workflows[wf.index];
    const where = `workflows[${wf.index}]`;
    const before = errors.length;
    const axes = [...imageAxes(wf, errors), ...substitutionAxes(wf, entry, where, errors)];
    const seeds = seedPlan(wf, entry, where, objectInfo, errors);
    if (errors.length > before) continue;
    const count = axes.reduce((n, a) => n * a.length, 1) * seeds.count;
    if (out.length + count > BATCH_LIMITS.prompts) {
      const n = (x: number) => x.toLocaleString('en-US');
      errors.push({ path: where, message: `expands to ${n(count)} prompts${out.length ? ` (after ${n(out.length)} from the workflows before it)` : ''}; at most ${n(BATCH_LIMITS.prompts)} per batch: split it into several batch files` });
      continue;
    }
    let index = 0;
    for (const combo of cartesian(axes)) {
      for (let r = 0; r < seeds.count; r++, index++) {
        const draft = new Draft(wf.prompt);
        for (const v of combo) v.apply(draft);
        const seed = seeds.seedFor(r, index, JSON.stringify([...combo.map((v) => v.key), r]));
        if (seed !== undefined) for (const [id, input] of seeds.targets) draft.set(id, input, seed);
        const prompt = draft.prompt;
        const uploads = combo.flatMap((v) => (v.upload ? [v.upload] : []));
        const hash = crypto.hash('sha256', JSON.stringify(prompt), 'hex').slice(0, 12);
        const id = `${wf.name}-${hash}`;
        const twin = byHash.get(hash);
        if (twin) {
          errors.push({ path: where, message: `prompt ${index + 1} is identical to ${twin} (ComfyUI would return the cached image): vary the seed or the substitutions` });
          continue;
        }
        byHash.set(hash, id);
        // Expanded after hashing: the same batch keeps its prompt ids on another day.
        for (const [node, prefix] of expandedPrefixes(prompt, at)) draft.set(node, 'filename_prefix', prefix);
        out.push({ id, prompt, uploads, workflow: wf.name, index, seed });
      }
    }
  }
  if (errors.length && !collect) throw new BatchFileError(batch.file, errors);
  return out;
}

/** Load + expand with every error of both steps in one BatchFileError. */
export function prepareBatch(file: string, objectInfo: ObjectInfo): { batch: LoadedBatch; prompts: ExpandedPrompt[] } {
  const errors: PathError[] = [];
  const batch = loadBatch(file, objectInfo, errors);
  const prompts = expandBatch(batch, objectInfo, errors);
  if (errors.length) throw new BatchFileError(file, errors);
  return { batch, prompts };
}

/**
 * One axis per `images:` entry, one value per image (uploaded under a content-hashed name); a `file:` entry is an
 * axis of one. Several entries must each name their LoadImage node, and no node twice.
 */
function imageAxes(wf: LoadedWorkflow, errors: PathError[]): Variation[][] {
  // No images: one "no image" value, so the seed keys (and the prompt ids) stay what they always were.
  if (wf.images.length === 0) return [[{ apply: () => undefined, key: null }]];
  const loaders = Object.entries(wf.prompt).filter(([, n]) => n.class_type === 'LoadImage' || n.class_type === 'LoadImageMask');
  const fed = new Map<string, string>();
  return wf.images.map((input) => {
    const node = input.node ?? (loaders.length === 1 && wf.images.length === 1 ? loaders[0][0] : undefined);
    const at = `${input.where}.${input.node ? 'node' : input.fixed ? 'file' : 'folder'}`;
    let problem: string | undefined;
    if (input.node && !wf.prompt[input.node]) problem = `node ${input.node} is not in ${path.basename(wf.file)}`;
    else if (!node) problem = loaders.length === 0 ? `${path.basename(wf.file)} has no LoadImage node` : `${path.basename(wf.file)} has ${loaders.length} LoadImage nodes (${loaders.map(([id]) => id).join(', ')}); say which one with node:`;
    else if (fed.has(node)) problem = `node ${node} is already fed by ${fed.get(node)}`;
    if (problem || !node) {
      errors.push({ path: at, message: problem! });
      return [];
    }
    fed.set(node, input.where);
    return input.files.map((localPath) => {
      const sha = crypto.createHash('sha256').update(fs.readFileSync(localPath)).digest('hex').slice(0, 10);
      const name = `gpuburst-${sha}-${path.basename(localPath).replace(/[^A-Za-z0-9._-]/g, '_')}`;
      return { apply: (d: Draft) => d.set(node, 'image', name), key: path.basename(localPath), upload: { localPath, name } };
    });
  });
}

function substitutionAxes(wf: LoadedWorkflow, entry: WorkflowEntry, where: string, errors: PathError[]): Variation[][] {
  return (entry.substitutions ?? []).map((s, j) => {
    const at = `${where}.substitutions[${j}]`;
    if ('find' in s) {
      const hits = Object.values(wf.prompt).some((n) => Object.values(n.inputs).some((v) => typeof v === 'string' && v.includes(s.find)));
      if (!hits) errors.push({ path: `${at}.find`, message: `"${s.find}" does not occur in any text input of ${path.basename(wf.file)}` });
      return s.values.map((value) => ({
        key: value,
        apply: (d: Draft) => {
          for (const [id, n] of Object.entries(d.prompt)) for (const [k, v] of Object.entries(n.inputs)) if (typeof v === 'string' && v.includes(s.find)) d.set(id, k, v.split(s.find).join(value));
        },
      }));
    }
    const node = wf.prompt[s.node];
    if (!node) errors.push({ path: `${at}.node`, message: `node ${s.node} is not in ${path.basename(wf.file)}` });
    else if (Array.isArray(node.inputs[s.input])) errors.push({ path: `${at}.input`, message: `${s.input} of node ${s.node} is a link, not a value` });
    else if (!(s.input in node.inputs)) errors.push({ path: `${at}.input`, message: `node ${s.node} (${node.class_type}) has no input "${s.input}"` });
    return s.values.map((value) => ({ key: value, apply: (d: Draft) => d.set(s.node, s.input, value) }));
  });
}

interface SeedPlan {
  count: number;
  targets: [string, string][];
  seedFor(r: number, index: number, key: string): number | undefined;
}

function seedPlan(wf: LoadedWorkflow, entry: WorkflowEntry, where: string, objectInfo: ObjectInfo, errors: PathError[]): SeedPlan {
  const targets: [string, string][] = [];
  for (const [id, node] of Object.entries(wf.prompt)) {
    const info = nodeInfo(objectInfo, node.class_type);
    for (const [input, value] of Object.entries(node.inputs)) {
      const spec = info?.input?.required?.[input] ?? info?.input?.optional?.[input] ?? ['INT'];
      if (typeof value === 'number' && hasControlValue(input, spec)) targets.push([id, input]);
    }
  }
  const raw = entry.seeds ?? 'random';
  const mode = Array.isArray(raw) ? 'list' : typeof raw === 'string' ? raw : raw.mode;
  const list = Array.isArray(raw) ? raw : typeof raw === 'object' ? raw.values : undefined;
  if (mode === 'list' && !list) errors.push({ path: `${where}.seeds.values`, message: 'mode list needs values' });
  if (mode === 'list' && list && entry.repeat !== undefined && entry.repeat !== list.length) errors.push({ path: `${where}.repeat`, message: `is ${entry.repeat} but seeds lists ${list.length} values; drop repeat or make them agree` });
  if (targets.length === 0 && (entry.seeds !== undefined || (entry.repeat ?? 1) > 1)) {
    errors.push({ path: `${where}.${entry.seeds !== undefined ? 'seeds' : 'repeat'}`, message: `${path.basename(wf.file)} has no seed input (KSampler seed, noise_seed…), so its repeats would be identical` });
  }
  const first = targets.length ? Number(wf.prompt[targets[0][0]].inputs[targets[0][1]]) : 0;
  const start = typeof raw === 'object' && !Array.isArray(raw) && raw.start !== undefined ? raw.start : first;
  return {
    count: mode === 'list' && list ? list.length : entry.repeat ?? 1,
    targets,
    seedFor(r, index, key) {
      if (targets.length === 0) return undefined;
      if (mode === 'list' && list) return list[r];
      if (mode === 'increment') return start + index;
      return crypto.hash('sha256', `${wf.name}\0${key}`, 'buffer').readUIntBE(0, 6);
    },
  };
}

function* cartesian(axes: Variation[][]): Generator<Variation[]> {
  if (axes.some((a) => a.length === 0)) return;
  const idx = axes.map(() => 0);
  for (;;) {
    yield axes.map((a, i) => a[idx[i]]);
    let k = axes.length - 1;
    while (k >= 0 && ++idx[k] === axes[k].length) idx[k--] = 0;
    if (k < 0) return;
  }
}

// Validation of the expanded prompts lives in ./check (kept importable from here).
export { checkBatch, validateBatch } from './check';
