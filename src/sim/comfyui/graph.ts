/**
 * What the worker needs to know about a prompt graph: cache keys (a node's class and inputs, with links replaced
 * by their source's key, as ComfyUI's classic cache compares them), execution order, sampler steps, batch size.
 */
import crypto from 'crypto';
import type { QueueItem } from './queue';

type Prompt = QueueItem[2];

/** Cache key of a node: its class and inputs, links replaced by the key of their source (LoadImage adds the file hash). */
export function signature(prompt: Prompt, id: string, memo: Map<string, string>, inputHash: (name: string) => string): string {
  const known = memo.get(id);
  if (known) return known;
  const node = prompt[id];
  const parts: unknown[] = [node.class_type];
  for (const [k, v] of Object.entries(node.inputs ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
    parts.push(k, Array.isArray(v) && v.length === 2 && prompt[String(v[0])] ? ['link', signature(prompt, String(v[0]), memo, inputHash), v[1]] : v);
  }
  if (node.class_type === 'LoadImage' || node.class_type === 'LoadImageMask') parts.push(inputHash(String(node.inputs.image)));
  const s = crypto.createHash('sha1').update(JSON.stringify(parts)).digest('hex');
  memo.set(id, s);
  return s;
}

/**
 * The order ComfyUI's ExecutionList runs nodes in (comfy_execution/graph.py): nodes are pending in the order they
 * were added (each output, then its inputs depth-first); among the ready ones it prefers an output node, then a node
 * an output waits on, then one two steps before an output, else the first.
 */
export function executionOrder(prompt: Prompt, outputs: string[]): string[] {
  const pending: string[] = [];
  const inputsOf = (id: string) => [...new Set(Object.values(prompt[id]?.inputs ?? {}).filter((v): v is [string, number] => Array.isArray(v) && v.length === 2 && prompt[String(v[0])] !== undefined).map((v) => String(v[0])))];
  const add = (id: string) => {
    if (pending.includes(id) || !prompt[id]) return;
    pending.push(id);
    inputsOf(id).forEach(add);
  };
  outputs.forEach(add);
  const isOutput = (id: string) => outputs.includes(id);
  const blocking = (id: string) => pending.filter((p) => inputsOf(p).includes(id));
  const done = new Set<string>();
  const order: string[] = [];
  while (pending.length) {
    const ready = pending.filter((id) => inputsOf(id).every((i) => done.has(i)));
    if (ready.length === 0) break; // a cycle: validation should have refused it
    const pick =
      ready.find(isOutput) ??
      ready.find((id) => blocking(id).some(isOutput)) ??
      ready.find((id) => blocking(id).some((b) => blocking(b).some(isOutput))) ??
      ready[0];
    pending.splice(pending.indexOf(pick), 1);
    done.add(pick);
    order.push(pick);
  }
  return order;
}

export function samplerSteps(prompt: Prompt, id: string): number {
  const inputs = prompt[id].inputs;
  if (typeof inputs.steps === 'number') {
    const end = typeof inputs.end_at_step === 'number' ? Math.min(inputs.end_at_step, inputs.steps) : inputs.steps;
    return Math.max(1, end - (typeof inputs.start_at_step === 'number' ? inputs.start_at_step : 0));
  }
  const sigmas = inputs.sigmas;
  const source = Array.isArray(sigmas) ? prompt[String(sigmas[0])] : undefined;
  return typeof source?.inputs.steps === 'number' ? source.inputs.steps : 20;
}

/** The first value `pick` finds walking upstream from node `id`, breadth first through its links. */
function upstream<T>(prompt: Prompt, id: string, pick: (inputs: Prompt[string]['inputs']) => T | undefined): T | undefined {
  const queue = [id];
  const seen = new Set<string>();
  while (queue.length) {
    const cur = queue.shift() as string;
    if (seen.has(cur) || !prompt[cur]) continue;
    seen.add(cur);
    const found = pick(prompt[cur].inputs);
    if (found !== undefined) return found;
    for (const v of Object.values(prompt[cur].inputs)) if (Array.isArray(v) && v.length === 2) queue.push(String(v[0]));
  }
  return undefined;
}

/** The batch size of the latent feeding an image node, found upstream (EmptyLatentImage and kin). */
export function batchSize(prompt: Prompt, id: string): number {
  return upstream(prompt, id, (i) => (typeof i.batch_size === 'number' ? Math.max(1, Math.min(64, i.batch_size)) : undefined)) ?? 1;
}

/** Frames reaching a saver: a video latent's `length` upstream (a node with width, height and length), else the batch. */
export function frameCount(prompt: Prompt, id: string): number {
  const frames = upstream(prompt, id, (i) => (typeof i.length === 'number' && typeof i.width === 'number' && typeof i.height === 'number' ? Math.max(1, i.length) : undefined));
  return frames ?? batchSize(prompt, id);
}
