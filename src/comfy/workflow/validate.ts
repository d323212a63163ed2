/**
 * Pre-flight validation of an API prompt, before any machine is rented: the checks ComfyUI's `/prompt` makes
 * (reference §1.2), every problem listed with node id and class (the server stops at the first unknown class).
 *
 * Two modes, because what is certain depends on where the node definitions come from:
 * - `offline` (the bundled core nodes of ComfyUI v0.3.64): a class that is not a core node is a WARNING (its node
 *   pack must be installed), never a refusal; for a lone workflow a model or input image missing from the fresh
 *   machine's lists is a warning too (a batch file provides them: `requireFiles`).
 * - `server` (a live server's object_info, or one saved from it): unknown classes and missing models refuse.
 * Both refuse definite errors: bad links (missing node, output index, a number instead of an id string), wrong link
 * types, dependency cycles, empty node ids, missing required inputs, value types, ranges, values not in a list.
 */
import { COMFYUI_VERSION } from '../version';
import type { ApiPrompt, InputSpec, NodeProblem, ObjectInfo } from '../types';
import { isObject } from './format';
import { isBundled, nodeInfo, orderedInputs } from './object-info';
import { checkValue } from './values';

export interface PreflightOptions {
  objectInfo: ObjectInfo;
  /** Default: `offline` for the bundled definitions (bundledObjectInfo()), `server` for any other. */
  mode?: 'offline' | 'server';
  /** Models the batch places on the machine: folder (ComfyUI's name) → file names as combos list them. */
  scheduledModels?: Map<string, Set<string>>;
  /** Input-folder names the batch uploads (LoadImage values). */
  uploads?: Set<string>;
  /** A batch run: every model and input image must be on the server or provided by the batch, even offline. */
  requireFiles?: boolean;
}

export function validateApiPrompt(prompt: ApiPrompt, opts: PreflightOptions): NodeProblem[] {
  if (!isObject(prompt)) return [{ nodeId: '', classType: '', type: 'invalid_prompt', message: 'the prompt is not an object of node id → {class_type, inputs}' }];
  const offline = (opts.mode ?? (isBundled(opts.objectInfo) ? 'offline' : 'server')) === 'offline';
  const problems: NodeProblem[] = [];
  const roots: string[] = [];
  let unknown = 0;
  for (const [id, node] of Object.entries(prompt)) {
    const cls = isObject(node) && typeof node.class_type === 'string' ? node.class_type : '';
    if (id.trim() === '') problems.push({ nodeId: id, classType: cls, type: 'invalid_prompt', message: 'a node has an empty id; give every node a non-empty id string' });
    if (!isObject(node) || typeof node.class_type !== 'string') {
      problems.push({ nodeId: id, classType: '', type: 'invalid_prompt', message: 'the node has no class_type (a UI-format file, or a broken export)' });
      continue;
    }
    const info = nodeInfo(opts.objectInfo, node.class_type);
    if (info?.output_node) roots.push(id);
    if (info) continue;
    unknown++;
    roots.push(id); // a custom output node: what feeds it is checked all the same
    problems.push(
      offline
        ? { nodeId: id, classType: node.class_type, type: 'unknown_node_class', severity: 'warning', message: `${node.class_type} is not a core node of ComfyUI v${COMFYUI_VERSION}: list its node pack so the machine installs it` }
        : { nodeId: id, classType: node.class_type, type: 'unknown_node_class', message: `node class ${node.class_type} does not exist on the server: install its node pack there` },
    );
  }
  if (problems.some((p) => p.type === 'invalid_prompt')) return problems;
  if (roots.length === 0 && unknown === 0) problems.push({ nodeId: '', classType: '', type: 'prompt_no_outputs', message: 'the prompt has no output node (SaveImage, PreviewImage, …)' });
  const { cycle, depth, deepestRoot } = linkShape(prompt, roots);
  if (cycle) {
    problems.push({ nodeId: cycle[0], classType: prompt[cycle[0]].class_type, type: 'dependency_cycle', message: `the links form a cycle (${cycleText(cycle)}); ComfyUI cannot run it` });
    return problems;
  }
  if (depth > MAX_LINK_DEPTH && deepestRoot !== undefined) {
    const message = `links nest ${depth} nodes deep from this output; ComfyUI v${COMFYUI_VERSION} refuses chains longer than ${MAX_LINK_DEPTH} nodes (its validation recursion limit)`;
    problems.push({ nodeId: deepestRoot, classType: prompt[deepestRoot].class_type, type: 'link_depth', message });
    return problems;
  }
  const seen = new Set<string>();
  const visit = (id: string) => {
    if (seen.has(id) || !isObject(prompt[id])) return;
    seen.add(id);
    for (const v of Object.values(isObject(prompt[id].inputs) ? prompt[id].inputs : {})) if (isLink(v) && typeof v[0] === 'string') visit(v[0]);
    problems.push(...checkNode(id, prompt, opts, offline));
  };
  roots.forEach(visit);
  return problems;
}

/** Only definite errors (what refuses a run). */
export function errorsOnly(problems: NodeProblem[]): NodeProblem[] {
  return problems.filter((p) => p.severity !== 'warning');
}

function checkNode(id: string, prompt: ApiPrompt, opts: PreflightOptions, offline: boolean): NodeProblem[] {
  const node = prompt[id];
  const info = nodeInfo(opts.objectInfo, node.class_type);
  if (!info) return [];
  const out: NodeProblem[] = [];
  const problem = (type: string, inputName: string, message: string, severity?: 'warning') => out.push({ nodeId: id, classType: node.class_type, type, inputName, message: `${inputName}: ${message}`, ...(severity ? { severity } : {}) });
  if (!isObject(node.inputs)) return [{ nodeId: id, classType: node.class_type, type: 'invalid_prompt', message: 'the node has no inputs object' }];
  const inputs = node.inputs;
  for (const { name, spec, required } of orderedInputs(info)) {
    if (!(name in inputs)) {
      if (required) problem('required_input_missing', name, 'required input is missing');
      continue;
    }
    let value = inputs[name];
    if (isObject(value) && '__value__' in value) value = value.__value__;
    else if (Array.isArray(value)) {
      const bad = linkProblem(value, spec, prompt, opts.objectInfo);
      if (bad) problem(bad[0], name, bad[1]);
      continue;
    }
    const { error, warning } = checkValue(name, value, spec, { classType: node.class_type, offline, ...opts });
    if (error) problem(error[0], name, error[1]);
    if (warning) problem(warning[0], name, warning[1], 'warning');
  }
  return out;
}

/** What is wrong with a link `[node_id, output_index]`, as the server would find it (and a little earlier). */
function linkProblem(value: unknown[], spec: InputSpec, prompt: ApiPrompt, objectInfo: ObjectInfo): [string, string] | undefined {
  if (!isLink(value)) return ['bad_linked_input', `a link must be [node_id, output_index], got ${JSON.stringify(value)}`];
  if (typeof value[0] !== 'string') return ['bad_linked_input', `links to node ${value[0]} as a number; node ids are strings ("${value[0]}")`];
  const source = prompt[value[0]];
  if (!isObject(source)) return ['bad_linked_input', `links to node ${value[0]}, which is not in the prompt`];
  const sourceInfo = nodeInfo(objectInfo, source.class_type);
  if (!sourceInfo) return undefined; // a custom node: its outputs are unknown here
  if (value[1] < 0 || value[1] >= sourceInfo.output.length) return ['bad_linked_input', `links to output ${value[1]} of node ${value[0]} (${source.class_type}), which has ${sourceInfo.output.length}`];
  const received = sourceInfo.output[value[1]];
  if (!typesMatch(received, spec)) return ['return_type_mismatch', `node ${value[0]} gives ${received}, this input takes ${Array.isArray(spec[0]) ? 'a list value' : String(spec[0])}`];
  return undefined;
}

/**
 * ComfyUI validates a prompt by recursing from each output through its links, on Python's default recursion limit:
 * v0.3.64 accepted a chain of 985 nodes from an output to its source and refused 986 ("maximum recursion depth
 * exceeded", seen on the real server). Deeper graphs are refused here, before renting.
 */
const MAX_LINK_DEPTH = 985;

/**
 * A cycle among the nodes reachable from the outputs (node ids), else the longest chain of links from an output
 * (nodes counted, the output's own included). Iterative: a hostile prompt may nest links thousands deep.
 */
function linkShape(prompt: ApiPrompt, roots: string[]): { cycle?: string[]; depth: number; deepestRoot?: string } {
  const depth = new Map<string, number>(); // done nodes: the longest chain from them down to a source
  const open = new Set<string>();
  const path: string[] = [];
  const sources = (id: string): string[] =>
    Object.values(isObject(prompt[id].inputs) ? prompt[id].inputs : {}).filter((v): v is [string, number] => isLink(v) && typeof v[0] === 'string' && isObject(prompt[v[0]])).map((v) => v[0]);
  let deepest = 0;
  let deepestRoot: string | undefined;
  for (const root of roots) {
    if (!isObject(prompt[root])) continue;
    const stack: { id: string; inputs: string[]; next: string[] }[] = [];
    const enter = (id: string) => {
      open.add(id);
      path.push(id);
      const inputs = sources(id);
      stack.push({ id, inputs, next: [...inputs].reverse() }); // popped in input order, as ComfyUI walks them
    };
    if (!depth.has(root)) enter(root);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const child = top.next.pop();
      if (child === undefined) {
        depth.set(top.id, 1 + Math.max(0, ...top.inputs.map((c) => depth.get(c) ?? 0)));
        open.delete(top.id);
        path.pop();
        stack.pop();
        continue;
      }
      if (open.has(child)) return { cycle: path.slice(path.indexOf(child)), depth: 0 };
      if (!depth.has(child)) enter(child);
    }
    if ((depth.get(root) ?? 0) > deepest) [deepest, deepestRoot] = [depth.get(root)!, root];
  }
  return { depth: deepest, deepestRoot };
}

/** "3 → 4 → 3"; a long cycle shortened to its ends: "1 → 2 → 3 → … (19,995 more) → 20000 → 20001 → 1". */
function cycleText(cycle: string[]): string {
  const ids = [...cycle, cycle[0]];
  if (ids.length <= 12) return ids.join(' → ');
  return [...ids.slice(0, 5), `… (${(ids.length - 10).toLocaleString('en-US')} more)`, ...ids.slice(-5)].join(' → ');
}

function isLink(v: unknown): v is [string | number, number] {
  return Array.isArray(v) && v.length === 2 && (typeof v[0] === 'string' || typeof v[0] === 'number') && Number.isInteger(v[1]);
}

/** ComfyUI's validate_node_input: equal, `*` on either side, or overlapping comma-separated unions. */
function typesMatch(received: string, spec: InputSpec): boolean {
  const input = spec[0];
  if (received === '*' || input === '*') return true;
  if (typeof input !== 'string') return false;
  const wanted = new Set(input.split(',').map((t) => t.trim()));
  return received.split(',').some((t) => wanted.has(t.trim()));
}
