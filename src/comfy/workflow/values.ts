/**
 * Checks of one literal input value against its spec, as ComfyUI's validate_inputs makes them (reference §1.2):
 * the value must convert to the input's type, lie within min/max, and be one of a combo's options. Stricter than
 * the server in one place: a boolean for an INT/FLOAT is refused (Python's int(True) is 1, but a boolean there is
 * always a widget shifted by a converter, e.g. `steps: true`).
 */
import path from 'path';
import { FILE_INPUTS, modelFolderOf } from '../model-folders';
import type { InputSpec } from '../types';
import { comboOptions, inputKind } from './object-info';

export interface ValueContext {
  classType: string;
  /** Offline against the bundled core nodes: model lists are empty there because the machine is fresh. */
  offline: boolean;
  scheduledModels?: Map<string, Set<string>>;
  uploads?: Set<string>;
  /** A batch run: every model and input image must be on the server or provided by the batch, even offline. */
  requireFiles?: boolean;
}

/** `[type, message]` of each problem (at most one), and warnings. */
export function checkValue(name: string, value: unknown, spec: InputSpec, ctx: ValueContext): { error?: [string, string]; warning?: [string, string] } {
  const kind = inputKind(spec);
  const extra = (spec[1] ?? {}) as { min?: number; max?: number };
  if (kind === 'INT' || kind === 'FLOAT') {
    const n = toNumber(value, kind);
    if (n === undefined) return { error: ['invalid_input_type', `${JSON.stringify(value)} is not ${kind === 'INT' ? 'an integer' : 'a number'} (a widget value shifted by an old converter?)`] };
    if (typeof extra.min === 'number' && n < extra.min) return { error: ['value_smaller_than_min', `${n} is below the minimum ${extra.min}`] };
    if (typeof extra.max === 'number' && n > extra.max) return { error: ['value_bigger_than_max', `${n} is above the maximum ${extra.max}`] };
    return {};
  }
  if (kind === 'STRING' && name === 'filename_prefix' && typeof value === 'string' && escapesOutputFolder(value)) {
    return { error: ['value_not_allowed', `${JSON.stringify(value)} would save outside ComfyUI's output folder, which the server refuses after the render; use a relative prefix without "..", e.g. "fox/img", which stays inside ComfyUI's output folder`] };
  }
  if (kind !== 'COMBO') return {};
  const options = comboOptions(spec);
  if (options.some((o) => o === value)) return {};
  const file = FILE_INPUTS[`${ctx.classType}.${name}`];
  if (file) {
    if (ctx.uploads?.has(String(value))) return {};
    if (ctx.offline && !ctx.requireFiles) return { warning: ['image_not_uploaded', `'${String(value)}' must be in the machine's ${file} folder: give the batch file an images: folder holding it`] };
    return { error: ['value_not_in_list', `'${String(value)}' is not in the server's ${file} folder and not uploaded by the batch file`] };
  }
  const folder = modelFolderOf(ctx.classType, name);
  if (folder || (ctx.offline && options.length === 0)) {
    const scheduled = folder ? ctx.scheduledModels?.get(folder) : undefined;
    if (scheduled?.has(String(value)) || scheduled?.has(String(value).replace(/\\/g, '/'))) return {};
    const where = folder ?? 'its model folder';
    if (ctx.requireFiles || !ctx.offline) {
      return { error: ['value_not_in_list', `model '${String(value)}' is not on the server (${where}) and not scheduled for download; add it under models: in the batch file`] };
    }
    return { warning: ['model_not_scheduled', `model '${String(value)}' (${where}) must be on the machine: list it under models: in the batch file`] };
  }
  // V3 combos ("COMBO" with options) are not checked by ComfyUI 0.3.64 itself, but a value outside a fixed list is
  // still wrong: the node raises at run time.
  const shown = options.length > 8 ? `${options.slice(0, 8).join(', ')}, … (${options.length} values)` : options.join(', ');
  return { error: ['value_not_in_list', `'${String(value)}' is not one of: ${shown}`] };
}

/** int()/float() as the server applies them, minus booleans; undefined when the value does not convert. */
function toNumber(value: unknown, kind: 'INT' | 'FLOAT'): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  if (kind === 'INT') return /^\s*[+-]?\d+\s*$/.test(value) ? parseInt(value, 10) : undefined;
  const n = Number(value);
  return Number.isNaN(n) ? undefined : n;
}

/** As ComfyUI's get_save_image_path sees a prefix: normalized, it must stay below the output folder. */
function escapesOutputFolder(prefix: string): boolean {
  const normal = path.posix.normalize(prefix.replace(/\\/g, '/'));
  return normal.startsWith('/') || /^[A-Za-z]:/.test(normal) || normal === '..' || normal.startsWith('../');
}
