/**
 * UI graph → API prompt, following the frontend's `graphToPrompt` (reference §3.3) and the rules of §3.4:
 * muted (2) and bypassed (4) nodes are dropped (consumers of a bypassed node are rewired to one of its inputs),
 * reroutes and KJNodes Get/Set are followed to the real source, PrimitiveNode values become literals, widget
 * values are read by position (skipping the control value after seed widgets, a boolean in old files) or by name when stored as an
 * object, both COMBO forms count as widgets, legacy group nodes are expanded (./group-nodes), subgraphs are
 * flattened (./graph), links become `[id, slot]`.
 */
import { BadInputError } from '../../../providers/errors';
import type { ApiPrompt, ObjectInfo } from '../types';
import { UiWorkflow, isObject } from './format';
import { GNode, Graph, flatten } from './graph';
import { expandGroupNodes } from './group-nodes';
import { defaultValue, hasControlValue, isWidget, nodeInfo, orderedInputs } from './object-info';

const MUTED = 2;
const BYPASS = 4;
const VIRTUAL = new Set(['Note', 'MarkdownNote', 'PrimitiveNode', 'Reroute', 'GetNode', 'SetNode']);
const CONTROL_VALUES = new Set(['fixed', 'increment', 'decrement', 'randomize']);

/** A node output, a literal (PrimitiveNode), `drop` (a muted source: the input disappears, as in the FE), or null (dangling: the widget value stays). */
type Source = { link: [string, number] } | { value: unknown } | 'drop' | null;

export interface ConvertOptions {
  /**
   * A node whose class the definitions lack: `refuse` (default: its positional widget values cannot be named), or
   * `links-only` (emit it with its links alone, for validation of the rest; the prompt is not runnable).
   */
  unknownClasses?: 'refuse' | 'links-only';
}

export function convertUiToApi(wf: UiWorkflow, objectInfo: ObjectInfo, opts: ConvertOptions = {}): ApiPrompt {
  const graph = flatten(expandGroupNodes(wf, objectInfo));
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const emitted = graph.nodes.filter((n) => n.mode !== MUTED && n.mode !== BYPASS && !VIRTUAL.has(n.type));
  const unknown = emitted.filter((n) => !nodeInfo(objectInfo, n.type));
  if (unknown.length && opts.unknownClasses !== 'links-only') {
    const list = unknown.map((n) => `node ${n.id} (${n.type})`).join(', ');
    throw new BadInputError(`cannot convert: ${unknown.length === 1 ? 'this node class is' : 'these node classes are'} not in the object_info: ${list}; its widget values can only be named with its definitions: install the node pack on a ComfyUI and pass --server <url>, or save them once with workflow save-nodes and pass --object-info`);
  }
  const out: ApiPrompt = {};
  for (const node of emitted) {
    const info = nodeInfo(objectInfo, node.type);
    const inputs = info ? widgetInputs(node, info) : {};
    for (const input of node.inputs) {
      if (input.link === null) continue;
      const src = resolve(graph, byId, input.link, new Set());
      const name = input.widget ?? input.name;
      if (src === 'drop') delete inputs[name];
      else if (src && 'link' in src) inputs[name] = src.link;
      else if (src) inputs[name] = wrap(src.value);
    }
    out[node.id] = { inputs, class_type: node.type, _meta: { title: node.title ?? info?.display_name ?? node.type } };
  }
  // A link to a node that was not emitted (muted source) is removed; ComfyUI then reports the input missing.
  for (const node of Object.values(out)) {
    for (const [k, v] of Object.entries(node.inputs)) if (Array.isArray(v) && !out[v[0] as string]) delete node.inputs[k];
  }
  return out;
}

/** Widget values by name: positional (control values skipped) or, when stored as an object, by key. */
function widgetInputs(node: GNode, info: ObjectInfo[string]): Record<string, unknown> {
  const widgets = orderedInputs(info).filter((i) => isWidget(i.spec));
  const inputs: Record<string, unknown> = {};
  const values = node.widgets_values;
  if (isObject(values)) {
    for (const w of widgets) inputs[w.name] = w.name in values ? wrap(values[w.name]) : defaultValue(w.spec);
    return stripUndefined(inputs);
  }
  const list = Array.isArray(values) ? values : [];
  let i = 0;
  for (const w of widgets) {
    inputs[w.name] = list[i] !== undefined ? wrap(list[i]) : defaultValue(w.spec);
    i++;
    if (hasControlValue(w.name, w.spec) && isControlValue(list[i])) i++;
  }
  return stripUndefined(inputs);
}

/** "fixed" … "randomize"; old workflows stored a boolean ("randomize" on or off) in the same slot. */
function isControlValue(v: unknown): boolean {
  return typeof v === 'boolean' || (typeof v === 'string' && CONTROL_VALUES.has(v));
}

/**
 * Follows a link to what feeds it: a node output, a literal (PrimitiveNode), or nothing (muted / dangling). Reroutes,
 * Get/Set pairs and bypassed nodes pass it on: a loop, not recursion, as a hostile file may chain thousands.
 */
function resolve(g: Graph, byId: Map<string, GNode>, linkId: string, seen: Set<string>): Source {
  let next: string | null | undefined = linkId;
  while (next) {
    const link = g.links.get(next);
    if (!link || seen.has(next)) return null;
    seen.add(next);
    const origin = byId.get(link.originId);
    if (!origin) return null;
    if (origin.type === 'PrimitiveNode') return Array.isArray(origin.widgets_values) ? { value: origin.widgets_values[0] } : null;
    if (origin.mode === MUTED) return 'drop';
    if (origin.type === 'Reroute') next = origin.inputs[0]?.link;
    else if (origin.type === 'GetNode') {
      const name = Array.isArray(origin.widgets_values) ? origin.widgets_values[0] : undefined;
      next = g.nodes.find((n) => n.type === 'SetNode' && Array.isArray(n.widgets_values) && n.widgets_values[0] === name)?.inputs[0]?.link;
    } else if (origin.mode === BYPASS) next = bypassInput(origin, link.originSlot)?.link;
    else return { link: [origin.id, link.originSlot] };
  }
  return null;
}

/** The input a bypassed node passes through for output `slot` (FE `_getBypassSlotIndex` order, §3.4). */
function bypassInput(node: GNode, slot: number): GNode['inputs'][number] | undefined {
  const type = node.outputs[slot]?.type ?? '*';
  const linked = node.inputs.filter((i) => i.link !== null);
  const same = node.inputs[slot];
  if (same?.link !== null && same !== undefined && compatible(same.type, type)) return same;
  return linked.find((i) => i.type === type) ?? linked.find((i) => compatible(i.type, type)) ?? linked[0];
}

function compatible(a: string, b: string): boolean {
  if (a === '*' || b === '*' || a === '' || b === '') return true;
  const left = new Set(a.toUpperCase().split(',').map((t) => t.trim()));
  return b.toUpperCase().split(',').some((t) => left.has(t.trim()));
}

/** A list value would read as a link: the backend unwraps `{__value__: [...]}`. */
function wrap(v: unknown): unknown {
  return Array.isArray(v) ? { __value__: v } : v;
}

function stripUndefined(o: Record<string, unknown>): Record<string, unknown> {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}
