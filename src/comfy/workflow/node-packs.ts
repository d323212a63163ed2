/**
 * Which node pack a UI workflow says each of its classes comes from: the frontend stores the pack's registry id
 * (`properties.cnr_id`) or its GitHub repository (`properties.aux_id`) on every node it adds, subgraphs included.
 * Core nodes carry `comfy-core`; only the others are worth naming when a machine lacks a class.
 */
import { isObject } from './format';

/** Class → pack id (`cnr_id`, else `aux_id`), for the classes that are not core. */
export function nodePacksOf(ui: unknown): Map<string, string> {
  const packs = new Map<string, string>();
  if (!isObject(ui)) return packs;
  const subgraphs = isObject(ui.definitions) && Array.isArray(ui.definitions.subgraphs) ? ui.definitions.subgraphs : [];
  const lists = [ui.nodes, ...subgraphs.map((g) => (isObject(g) ? g.nodes : undefined))];
  for (const list of lists) {
    if (!Array.isArray(list)) continue;
    for (const node of list) {
      if (!isObject(node) || typeof node.type !== 'string' || !isObject(node.properties)) continue;
      const { cnr_id: cnr, aux_id: aux } = node.properties;
      const pack = typeof cnr === 'string' && cnr.trim() ? cnr.trim() : typeof aux === 'string' && aux.trim() ? aux.trim() : undefined;
      if (pack && pack !== 'comfy-core' && !packs.has(node.type)) packs.set(node.type, pack);
    }
  }
  return packs;
}
