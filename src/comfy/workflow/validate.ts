/**
 * Pre-flight validation of an API prompt, before any machine is rented: the checks ComfyUI's `/prompt` makes
 * (reference §1.2) against an object_info, except that a model missing from a combo list is fine when the batch
 * file schedules it for download, and an input image is fine when the batch uploads it. Every problem is listed,
 * with node id and class; unlike the server, it does not stop at the first unknown class.
 */
import path from 'path';
import { modelFolderOf, FILE_INPUTS } from '../model-folders';
import type { ApiPrompt, InputSpec, NodeProblem, ObjectInfo } from '../types';
import { isObject } from './format';
import { comboOptions, inputKind, orderedInputs } from './object-info';

export interface PreflightOptions {
  objectInfo: ObjectInfo;
  /** Models the batch places on the machine: folder (ComfyUI's name) → file names as combos list them. */
  scheduledModels?: Map<string, Set<string>>;
  /** Input-folder names the batch uploads (LoadImage values). */
  uploads?: Set<string>;
}

export function validateApiPrompt(prompt: ApiPrompt, opts: PreflightOptions): NodeProblem[] {
  const problems: NodeProblem[] = [];
  const outputs: string[] = [];
  for (const [id, node] of Object.entries(prompt)) {
    if (!isObject(node) || typeof node.class_type !== 'string') {
      problems.push({ nodeId: id, classType: '', type: 'invalid_prompt', message: 'the node has no class_type (a UI-format file, or a broken export)' });
      continue;
    }
    const info = opts.objectInfo[node.class_type];
    if (!info) problems.push({ nodeId: id, classType: node.class_type, type: 'unknown_node_class', message: `node class ${node.class_type} does not exist on the server (a custom node that is not installed?)` });
    else if (info.output_node) outputs.push(id);
  }
  if (problems.length === 0 && outputs.length === 0) problems.push({ nodeId: '', classType: '', type: 'prompt_no_outputs', message: 'the prompt has no output node (SaveImage, PreviewImage, …)' });
  const seen = new Set<string>();
  const visit = (id: string) => {
    if (seen.has(id) || !prompt[id] || !opts.objectInfo[prompt[id].class_type]) return;
    seen.add(id);
    for (const v of Object.values(prompt[id].inputs ?? {})) if (isLink(v) && prompt[String(v[0])]) visit(String(v[0]));
    problems.push(...checkNode(id, prompt, opts));
  };
  outputs.forEach(visit);
  return problems;
}

function checkNode(id: string, prompt: ApiPrompt, opts: PreflightOptions): NodeProblem[] {
  const node = prompt[id];
  const info = opts.objectInfo[node.class_type];
  const out: NodeProblem[] = [];
  const problem = (type: string, inputName: string, message: string) => out.push({ nodeId: id, classType: node.class_type, type, inputName, message: `${inputName}: ${message}` });
  const inputs = isObject(node.inputs) ? node.inputs : {};
  for (const { name, spec, required } of orderedInputs(info)) {
    if (!(name in inputs)) {
      if (required) problem('required_input_missing', name, 'required input is missing');
      continue;
    }
    let value = inputs[name];
    if (isObject(value) && '__value__' in value) value = value.__value__;
    if (Array.isArray(value)) {
      if (!isLink(value)) {
        problem('bad_linked_input', name, `a link must be [node_id, output_index], got ${JSON.stringify(value)}`);
        continue;
      }
      const source = prompt[String(value[0])];
      const sourceInfo = source ? opts.objectInfo[source.class_type] : undefined;
      if (!source) problem('bad_linked_input', name, `links to node ${value[0]}, which is not in the prompt`);
      else if (sourceInfo && value[1] >= sourceInfo.output.length) problem('bad_linked_input', name, `links to output ${value[1]} of node ${value[0]} (${source.class_type}), which has ${sourceInfo.output.length}`);
      else if (sourceInfo && !typesMatch(sourceInfo.output[value[1]], spec)) problem('return_type_mismatch', name, `node ${value[0]} gives ${sourceInfo.output[value[1]]}, this input takes ${typeName(spec)}`);
      continue;
    }
    problems(name, value, spec, node.class_type, opts).forEach(([type, message]) => problem(type, name, message));
  }
  return out;
}

/** Value checks: type coercion as the server does it, min/max, combo lists (with downloads and uploads allowed). */
function problems(name: string, value: unknown, spec: InputSpec, classType: string, opts: PreflightOptions): [string, string][] {
  const kind = inputKind(spec);
  const extra = (spec[1] ?? {}) as { min?: number; max?: number };
  if (kind === 'INT' || kind === 'FLOAT') {
    const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : typeof value === 'boolean' ? Number(value) : NaN;
    if (!Number.isFinite(n) || (kind === 'INT' && typeof value === 'string' && !/^\s*[+-]?\d+\s*$/.test(value))) return [['invalid_input_type', `${JSON.stringify(value)} is not ${kind === 'INT' ? 'an integer' : 'a number'}`]];
    if (extra.min !== undefined && n < extra.min) return [['value_smaller_than_min', `${n} is below the minimum ${extra.min}`]];
    if (extra.max !== undefined && n > extra.max) return [['value_bigger_than_max', `${n} is above the maximum ${extra.max}`]];
    return [];
  }
  if (name === 'filename_prefix' && typeof value === 'string' && escapesOutputFolder(value)) {
    return [['value_not_allowed', `${JSON.stringify(value)} would save outside ComfyUI's output folder, which the server refuses after the render; use a relative prefix without "..", e.g. "fox/img", which stays inside ComfyUI's output folder`]];
  }
  if (kind !== 'COMBO') return [];
  const file = FILE_INPUTS[`${classType}.${name}`];
  const options = comboOptions(spec);
  if (options.some((o) => o === value)) return [];
  if (file) {
    if (opts.uploads?.has(String(value))) return [];
    return [['value_not_in_list', `'${value}' is not in the server's ${file} folder and not uploaded by the batch file`]];
  }
  const folder = modelFolderOf(classType, name);
  if (folder) {
    const scheduled = opts.scheduledModels?.get(folder);
    if (scheduled?.has(String(value)) || scheduled?.has(String(value).replace(/\\/g, '/'))) return [];
    return [['value_not_in_list', `model '${value}' is not on the server (${folder}) and not scheduled for download; add it under models: in the batch file`]];
  }
  const shown = options.length > 8 ? `${options.slice(0, 8).join(', ')}, … (${options.length} values)` : options.join(', ');
  return [['value_not_in_list', `'${value}' is not one of: ${shown}`]];
}

/** As ComfyUI's get_save_image_path sees a prefix: normalized, it must stay below the output folder. */
function escapesOutputFolder(prefix: string): boolean {
  const normal = path.posix.normalize(prefix.replace(/\\/g, '/'));
  return normal.startsWith('/') || /^[A-Za-z]:/.test(normal) || normal === '..' || normal.startsWith('../');
}

function isLink(v: unknown): v is [string, number] {
  return Array.isArray(v) && v.length === 2 && (typeof v[0] === 'string' || typeof v[0] === 'number') && Number.isInteger(v[1]);
}

function typeName(spec: InputSpec): string {
  return Array.isArray(spec[0]) ? 'a list value' : String(spec[0]);
}

function typesMatch(received: string, spec: InputSpec): boolean {
  const input = spec[0];
  if (received === '*' || input === '*') return true;
  if (typeof input !== 'string') return false;
  const wanted = new Set(input.split(',').map((t) => t.trim()));
  return received.split(',').some((t) => wanted.has(t.trim()));
}
