/**
 * A UI graph flattened for conversion (reference §3.2–3.3): links in one shape whatever the schema (0.4 tuples or
 * schema-1 objects), ids as strings, and subgraph instances expanded into their inner nodes with ids
 * `<instance>:<inner>` (nested: `a:b:c`), the `-10` / `-20` boundary links joined to the instance's outer links.
 */
import { BadInputError } from '../../../providers/errors';
import { UiWorkflow, isObject } from './format';

export interface GNode {
  id: string;
  type: string;
  mode: number;
  title?: string;
  inputs: { name: string; type: string; link: string | null; widget?: string }[];
  outputs: { name: string; type: string }[];
  widgets_values: unknown;
}

interface GLink {
  id: string;
  originId: string;
  originSlot: number;
  targetId: string;
  targetSlot: number;
  type: string;
}

export interface Graph {
  nodes: GNode[];
  links: Map<string, GLink>;
}

const INPUT_BOUNDARY = '-10';
const OUTPUT_BOUNDARY = '-20';
const MAX_DEPTH = 16;
/**
 * Nodes after every subgraph instance is expanded. Each level multiplies: a 5 KB file of 7 levels of 10 instances
 * made a million nodes (15 s, 1.3 GB) and one more level ran out of memory. Real workflows have hundreds.
 */
const MAX_NODES = 100_000;

export function flatten(wf: UiWorkflow): Graph {
  const defs = new Map<string, Record<string, unknown>>();
  for (const sg of wf.definitions?.subgraphs ?? []) if (isObject(sg) && typeof sg.id === 'string') defs.set(sg.id, sg);
  const nodes = wf.nodes.filter(isObject).map((n) => toNode(n, ''));
  const links = new Map<string, GLink>();
  for (const l of wf.links) {
    const link = toLink(l, '');
    if (link) links.set(link.id, link);
  }
  const outputs = new Map<string, Map<number, Source>>();
  const g = expand({ nodes, links }, defs, 0, outputs, { nodes: nodes.length });
  // Links out of an expanded instance start at the inner node behind its output (through nested instances too).
  for (const [id, l] of [...g.links]) {
    let src: Source | undefined = { originId: l.originId, originSlot: l.originSlot };
    for (let hops = 0; src && outputs.has(src.originId) && hops <= MAX_DEPTH; hops++) src = outputs.get(src.originId)?.get(src.originSlot);
    if (src) g.links.set(id, { ...l, ...src });
    else g.links.delete(id);
  }
  return g;
}

type Source = { originId: string; originSlot: number };

function toNode(n: Record<string, unknown>, prefix: string): GNode {
  const pre = (x: unknown) => (x === null || x === undefined ? null : `${prefix}${String(x)}`);
  return {
    id: `${prefix}${String(n.id)}`,
    type: String(n.type ?? ''),
    mode: typeof n.mode === 'number' ? n.mode : 0,
    title: typeof n.title === 'string' ? n.title : undefined,
    inputs: (Array.isArray(n.inputs) ? n.inputs : []).filter(isObject).map((i) => ({
      name: String(i.name ?? ''),
      type: String(i.type ?? '*'),
      link: pre(i.link),
      widget: isObject(i.widget) && typeof i.widget.name === 'string' ? i.widget.name : undefined,
    })),
    outputs: (Array.isArray(n.outputs) ? n.outputs : []).filter(isObject).map((o) => ({ name: String(o.name ?? ''), type: String(o.type ?? '*') })),
    widgets_values: n.widgets_values,
  };
}

/** `[id, origin, originSlot, target, targetSlot, type]` (0.4) or `{id, origin_id, …}` (schema 1). */
function toLink(l: unknown, prefix: string): GLink | undefined {
  const raw = Array.isArray(l)
    ? { id: l[0], origin_id: l[1], origin_slot: l[2], target_id: l[3], target_slot: l[4], type: l[5] }
    : isObject(l)
      ? l
      : undefined;
  if (!raw || raw.id === undefined || raw.id === null) return undefined;
  const id = (x: unknown) => (String(x) === INPUT_BOUNDARY || String(x) === OUTPUT_BOUNDARY ? String(x) : `${prefix}${String(x)}`);
  return {
    id: `${prefix}${String(raw.id)}`,
    originId: id(raw.origin_id),
    originSlot: Number(raw.origin_slot ?? 0),
    targetId: id(raw.target_id),
    targetSlot: Number(raw.target_slot ?? 0),
    type: String(raw.type ?? '*'),
  };
}

function expand(g: Graph, defs: Map<string, Record<string, unknown>>, depth: number, outputs: Map<string, Map<number, Source>>, count: { nodes: number }): Graph {
  const instances = g.nodes.filter((n) => defs.has(n.type) && n.mode !== 2 && n.mode !== 4);
  if (instances.length === 0) return g;
  if (depth >= MAX_DEPTH) throw new BadInputError(`subgraphs nest deeper than ${MAX_DEPTH} levels (a subgraph that contains itself?)`);
  let nodes = g.nodes.filter((n) => !instances.includes(n));
  const links = new Map(g.links);
  for (const inst of instances) {
    const def = defs.get(inst.type) as Record<string, unknown>;
    const prefix = `${inst.id}:`;
    const defNodes = (Array.isArray(def.nodes) ? def.nodes : []).filter(isObject);
    count.nodes += defNodes.length;
    if (count.nodes > MAX_NODES) throw new BadInputError(`subgraphs expand to more than ${MAX_NODES.toLocaleString('en-US')} nodes (instances of instances multiply; "${String(def.name ?? inst.type)}" at level ${depth + 1}); ComfyUI workflows have hundreds`);
    const inner: Graph = { nodes: defNodes.map((n) => toNode(n, prefix)), links: new Map() };
    const inputTargets = new Map<number, GLink[]>();
    const outputSources = new Map<number, Source>();
    for (const raw of Array.isArray(def.links) ? def.links : []) {
      const l = toLink(raw, prefix);
      if (!l) continue;
      if (l.originId === INPUT_BOUNDARY) inputTargets.set(l.originSlot, [...(inputTargets.get(l.originSlot) ?? []), l]);
      else if (l.targetId === OUTPUT_BOUNDARY) outputSources.set(l.targetSlot, { originId: l.originId, originSlot: l.originSlot });
      else inner.links.set(l.id, l);
    }
    outputs.set(inst.id, outputSources);
    const sgInputs = (Array.isArray(def.inputs) ? def.inputs : []).filter(isObject).map((i) => String(i.name ?? ''));
    for (const [id, l] of [...links]) {
      if (l.targetId !== inst.id) continue;
      // Outer slot → subgraph input by name (slots can be reordered on the instance), then to every inner target.
      links.delete(id);
      const name = inst.inputs[l.targetSlot]?.name;
      const k = name !== undefined && sgInputs.includes(name) ? sgInputs.indexOf(name) : l.targetSlot;
      for (const t of inputTargets.get(k) ?? []) inner.links.set(t.id, { ...t, originId: l.originId, originSlot: l.originSlot });
    }
    const flat = expand(inner, defs, depth + 1, outputs, count);
    nodes = nodes.concat(flat.nodes);
    for (const [id, l] of flat.links) links.set(id, l);
  }
  return { nodes, links };
}
