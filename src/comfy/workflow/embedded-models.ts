/**
 * The download links a UI workflow carries: ComfyUI's templates list the models they need, with a URL and a model
 * folder, at the top (`models`) or on the loader node (`properties.models`), for the frontend's "missing models"
 * dialog. Only entries the API prompt really loads count (a bypassed loader's model is not needed).
 */
import type { ApiPrompt } from '../types';

export interface EmbeddedModel {
  name: string;
  url: string;
  /** The model folder as the workflow names it (`directory`): checkpoints, text_encoders, … */
  folder: string;
}

type Entry = { name?: unknown; url?: unknown; directory?: unknown };

function entries(list: unknown): Entry[] {
  return Array.isArray(list) ? list.filter((e): e is Entry => typeof e === 'object' && e !== null) : [];
}

/** Each named model once, in the workflow's order, that some node of `prompt` loads by that name. */
export function embeddedModels(ui: unknown, prompt: ApiPrompt): EmbeddedModel[] {
  const graph = (ui ?? {}) as { models?: unknown; nodes?: { properties?: { models?: unknown } }[] };
  const all = [...entries(graph.models), ...(Array.isArray(graph.nodes) ? graph.nodes.flatMap((n) => entries(n?.properties?.models)) : [])];
  const loaded = new Set<string>();
  for (const node of Object.values(prompt)) for (const v of Object.values(node.inputs ?? {})) if (typeof v === 'string') loaded.add(v);
  const out = new Map<string, EmbeddedModel>();
  for (const e of all) {
    if (typeof e.name !== 'string' || typeof e.url !== 'string' || typeof e.directory !== 'string') continue;
    if (!loaded.has(e.name) || out.has(`${e.directory}/${e.name}`)) continue;
    out.set(`${e.directory}/${e.name}`, { name: e.name, url: e.url, folder: e.directory });
  }
  return [...out.values()];
}
