/**
 * What the simulated ComfyUI learns from the packs installed in its `custom_nodes/` folder, never from a prompt:
 * the class names a pack's `__init__.py` puts in NODE_CLASS_MAPPINGS, with their definitions from the pack's
 * `object_info.json` (the simulator cannot run the pack's Python; a real server computes the same entries from
 * INPUT_TYPES / RETURN_TYPES). A class with no entry there is known with no inputs and no outputs. Folders still
 * being installed (`<name>.installing`, src/session/agent/nodes.py) are not loaded.
 */
import fs from 'fs';
import path from 'path';
import { cachedListing } from './listing';

type Definition = { input: Record<string, unknown>; output: string[]; output_node: boolean; [k: string]: unknown };

/** The quoted keys of the NODE_CLASS_MAPPINGS dict literal. */
export function mappedClasses(initPy: string): string[] {
  const start = /NODE_CLASS_MAPPINGS\s*=\s*\{/.exec(initPy);
  if (!start) return [];
  const body = initPy.slice(start.index + start[0].length, initPy.indexOf('}', start.index));
  return [...body.matchAll(/["']([^"']+)["']\s*:/g)].map((m) => m[1]);
}

/**
 * Every installed pack's classes: a cache key (pack folders and their change times) and the definitions. Read again
 * only when a file or folder it read changed (./listing): every POST /prompt asks.
 */
export function customNodeInfo(customNodesDir: string): { key: string; info: Record<string, Definition> } {
  return cachedListing(`custom\0${customNodesDir}`, (visit) => readPacks(customNodesDir, visit));
}

function readPacks(customNodesDir: string, visit: (p: string) => number | undefined): { key: string; info: Record<string, Definition> } {
  visit(customNodesDir);
  let packs: string[];
  try {
    packs = fs.readdirSync(customNodesDir, { withFileTypes: true }).filter((e) => e.isDirectory() && !e.name.endsWith('.installing')).map((e) => e.name).sort();
  } catch {
    return { key: '', info: {} };
  }
  const info: Record<string, Definition> = {};
  const stamps: string[] = [];
  for (const pack of packs) {
    const dir = path.join(customNodesDir, pack);
    // The key is every mtime read here, the manifest's included: object_info's cache (./nodes.ts) lasts as long as it.
    const mtimes = [dir, path.join(dir, '__init__.py'), path.join(dir, 'object_info.json')].map((p) => visit(p) ?? '-');
    let init: string;
    try {
      init = fs.readFileSync(path.join(dir, '__init__.py'), 'utf8');
      stamps.push(`${pack}:${mtimes.join(':')}`);
    } catch {
      continue; // not a Python package: ComfyUI skips it too
    }
    let defs: Record<string, Definition> = {};
    try {
      defs = JSON.parse(fs.readFileSync(path.join(dir, 'object_info.json'), 'utf8')) as Record<string, Definition>;
    } catch {
      // no manifest: the classes exist without inputs or outputs
    }
    for (const cls of mappedClasses(init)) info[cls] = defs[cls] ?? { input: { required: {} }, output: [], output_name: [], output_node: false, name: cls, display_name: cls, category: pack, python_module: `custom_nodes.${pack}` };
  }
  return { key: stamps.join('|'), info };
}
