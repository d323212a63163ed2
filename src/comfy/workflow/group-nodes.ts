/**
 * Legacy group nodes (reference §3.4): an instance node of type `workflow>Name` (older: `workflow/Name`) stands for
 * the nodes of `extra.groupNodes[Name]`. The frontend expands it into inner nodes `<instance>:<index>`; so do we,
 * before anything else, so that reroutes, primitives, bypass and the widget rules apply to the inner nodes as usual.
 *
 * The instance exposes, in inner-node order: as inputs, every inner input not fed by an inner link; as outputs,
 * every inner output not linked inside, or listed in `external`; as widgets, every inner widget not fed by an inner
 * link (a seed's control value included). Its `widgets_values` hold those widgets' values in that order.
 */
import { BadInputError } from '../../../providers/errors';
import type { ObjectInfo } from '../types';
import { UiWorkflow, isObject } from './format';
import { hasControlValue, isWidget, nodeInfo, orderedInputs } from './object-info';

const GROUP_TYPE = /^workflow[>/](.+)$/;

type Raw = Record<string, unknown>;
type Inner = Raw & { index: number; id: string; inputs: Raw[]; outputs: unknown[] };
/** `[originIndex|null, originSlot, targetIndex, targetSlot, outerOriginId, type]`; null origin = from outside. */
type DefLink = [number | null, number, number, number, unknown, string];
type OuterLink = { id: unknown; origin: unknown; originSlot: number; target: unknown; targetSlot: number; type: unknown };

function hasGroupNodes(wf: UiWorkflow): boolean {
  return wf.nodes.some((n) => isObject(n) && GROUP_TYPE.test(String(n.type)));
}

/** A copy of the workflow with every legacy group node replaced by its inner nodes (schema 0.4 link tuples). */
export function expandGroupNodes(wf: UiWorkflow, objectInfo: ObjectInfo): UiWorkflow {
  if (!hasGroupNodes(wf)) return wf;
  const defs = isObject(wf.extra?.groupNodes) ? (wf.extra?.groupNodes as Record<string, unknown>) : {};
  let links: OuterLink[] = wf.links.map(toOuterLink).filter((l): l is OuterLink => l !== undefined);
  const nodes: unknown[] = [];
  for (const node of wf.nodes) {
    const m = isObject(node) ? GROUP_TYPE.exec(String(node.type)) : null;
    if (!m || !isObject(node)) {
      nodes.push(node);
      continue;
    }
    const def = Object.prototype.hasOwnProperty.call(defs, m[1]) ? defs[m[1]] : undefined;
    if (!isObject(def) || !Array.isArray(def.nodes)) {
      throw new BadInputError(`group node ${String(node.id)} (${String(node.type)}) has no definition in extra.groupNodes; re-save the workflow in ComfyUI`);
    }
    const expanded = expandOne(node, def, objectInfo, links);
    nodes.push(...expanded.nodes);
    links = expanded.links;
  }
  return { ...wf, nodes, links: links.map((l) => [l.id, l.origin, l.originSlot, l.target, l.targetSlot, l.type]) };
}

function expandOne(instance: Raw, def: Raw, objectInfo: ObjectInfo, outer: OuterLink[]): { nodes: Raw[]; links: OuterLink[] } {
  const gid = String(instance.id);
  const inner = (def.nodes as unknown[]).filter(isObject).map((n, i) => ({ ...n, index: typeof n.index === 'number' ? n.index : i }) as Raw & { index: number });
  const defLinks = (Array.isArray(def.links) ? def.links : []).filter((l): l is DefLink => Array.isArray(l) && l.length >= 4);
  const internal = defLinks.filter((l) => l[0] !== null && l[0] !== undefined);
  const fedInside = new Set(internal.map((l) => `${l[2]}:${l[3]}`));
  const usedInside = new Set(internal.map((l) => `${l[0]}:${l[1]}`));
  const external = new Set((Array.isArray(def.external) ? def.external : []).filter(Array.isArray).map((e) => `${isObject(e[0]) ? e[0].index : e[0]}:${e[1]}`));
  const id = (index: unknown) => `${gid}:${String(index)}`;

  // Inner copies with their own link ids; input and output slots as the instance exposes them.
  const copies: Inner[] = inner.map((n) => ({
    ...n,
    id: id(n.index),
    mode: instance.mode === 2 || instance.mode === 4 ? instance.mode : n.mode,
    inputs: (Array.isArray(n.inputs) ? n.inputs : []).filter(isObject).map((i) => ({ ...i, link: null as unknown })),
    outputs: Array.isArray(n.outputs) ? n.outputs : [],
  }));
  const groupInputs: [number, number][] = [];
  const groupOutputs: [number, number][] = [];
  for (const n of copies) {
    n.inputs.forEach((_, slot) => {
      if (!fedInside.has(`${n.index}:${slot}`)) groupInputs.push([n.index, slot]);
    });
    n.outputs.forEach((_, slot) => {
      const key = `${n.index}:${slot}`;
      if (!usedInside.has(key) || external.has(key)) groupOutputs.push([n.index, slot]);
    });
  }
  const byIndex = new Map(copies.map((n) => [n.index, n]));
  const links: OuterLink[] = [];
  internal.forEach((l, k) => {
    const target = byIndex.get(l[2]);
    if (!target?.inputs[l[3]]) return;
    const linkId = `${gid}:L${k}`;
    target.inputs[l[3]].link = linkId;
    links.push({ id: linkId, origin: id(l[0]), originSlot: l[1], target: id(l[2]), targetSlot: l[3], type: l[5] ?? '*' });
  });
  for (const l of outer) {
    if (String(l.target) === gid) {
      const slot = groupInputs[l.targetSlot];
      if (!slot) continue;
      const target = byIndex.get(slot[0]);
      if (target?.inputs[slot[1]]) target.inputs[slot[1]].link = l.id;
      links.push({ ...l, target: id(slot[0]), targetSlot: slot[1] });
    } else if (String(l.origin) === gid) {
      const slot = groupOutputs[l.originSlot];
      if (slot) links.push({ ...l, origin: id(slot[0]), originSlot: slot[1] });
    } else links.push(l);
  }
  spreadWidgetValues(copies, instance.widgets_values, fedInside, objectInfo);
  return { nodes: copies, links };
}

/** Gives each inner node its own positional `widgets_values` from the instance's flat list. */
function spreadWidgetValues(copies: Inner[], values: unknown, fedInside: Set<string>, objectInfo: ObjectInfo): void {
  if (!Array.isArray(values)) return;
  let next = 0;
  for (const n of copies) {
    const info = nodeInfo(objectInfo, String(n.type));
    if (!info) continue;
    const own = Array.isArray(n.widgets_values) ? n.widgets_values : [];
    const mine: unknown[] = [];
    let ownAt = 0;
    for (const w of orderedInputs(info).filter((x) => isWidget(x.spec))) {
      const slot = n.inputs.findIndex((i) => isObject(i.widget) && i.widget.name === w.name);
      const control = hasControlValue(w.name, w.spec);
      const inside = slot >= 0 && fedInside.has(`${n.index}:${slot}`);
      const take = (fallback: unknown) => (inside || next >= values.length ? fallback : values[next++]);
      mine.push(take(own[ownAt++]));
      if (control) mine.push(take(own[ownAt++] ?? 'fixed'));
    }
    n.widgets_values = mine;
  }
}

function toOuterLink(l: unknown): OuterLink | undefined {
  if (Array.isArray(l)) return { id: l[0], origin: l[1], originSlot: Number(l[2] ?? 0), target: l[3], targetSlot: Number(l[4] ?? 0), type: l[5] };
  if (!isObject(l)) return undefined;
  return { id: l.id, origin: l.origin_id, originSlot: Number(l.origin_slot ?? 0), target: l.target_id, targetSlot: Number(l.target_slot ?? 0), type: l.type };
}
