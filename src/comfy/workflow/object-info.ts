/**
 * Where node definitions come from: a live server, a saved `/object_info` file, or the bundled snapshot of
 * ComfyUI's core nodes (all 383 classes of v0.3.64, model lists empty as on a fresh machine, rebuilt by
 * scripts/bundle-object-info.js) so conversion and validation work offline. The snapshot is ~290 kB: only
 * commands that convert or validate load it (never `estimate`).
 */
import { BadInputError } from '../../../providers/errors';
import type { InputSpec, NodeInfo, ObjectInfo } from '../types';
import { isObject, readJsonFile } from './format';

export { COMFYUI_VERSION } from '../version';

/** Marks the bundled definitions, so validation knows it runs offline (see validate.ts). */
const BUNDLED = Symbol('gpuburst.bundledObjectInfo');

/** A fresh copy of the bundled core-node definitions (callers may change it). */
export function bundledObjectInfo(): ObjectInfo {
  const info = JSON.parse(JSON.stringify(require('../object-info.core.json'))) as ObjectInfo;
  Object.defineProperty(info, BUNDLED, { value: true, enumerable: false });
  return info;
}

/** The definition of a class, own properties only (a class named "toString" is not Object.prototype's). */
export function nodeInfo(info: ObjectInfo, classType: string): NodeInfo | undefined {
  return Object.prototype.hasOwnProperty.call(info, classType) ? info[classType] : undefined;
}

export function isBundled(info: ObjectInfo): boolean {
  return (info as unknown as Record<symbol, unknown>)[BUNDLED] === true;
}

export function readObjectInfoFile(file: string): ObjectInfo {
  const json = readJsonFile(file);
  if (!isObject(json) || !Object.values(json).every((n) => isObject(n) && isObject(n.input))) {
    throw new BadInputError(`${file}: not an object_info file (expected the JSON of ComfyUI's GET /object_info)`);
  }
  return json as ObjectInfo;
}

/** Every input spec of a node, required first, in the server's declared order. */
export function orderedInputs(info: NodeInfo): { name: string; spec: InputSpec; required: boolean }[] {
  const out: { name: string; spec: InputSpec; required: boolean }[] = [];
  for (const group of ['required', 'optional'] as const) {
    const specs = info.input?.[group] ?? {};
    const order = info.input_order?.[group] ?? Object.keys(specs);
    for (const name of order) if (specs[name]) out.push({ name, spec: specs[name], required: group === 'required' });
  }
  return out;
}

export type InputKind = 'INT' | 'FLOAT' | 'STRING' | 'BOOLEAN' | 'COMBO' | 'LINK';

/** What kind of value an input takes; both COMBO forms (a list, or `"COMBO"` with `options`, §1.12). */
export function inputKind(spec: InputSpec): InputKind {
  const type = spec[0];
  if (Array.isArray(type) || type === 'COMBO') return 'COMBO';
  if (type === 'INT' || type === 'FLOAT' || type === 'STRING' || type === 'BOOLEAN') return type;
  return 'LINK';
}

export function comboOptions(spec: InputSpec): unknown[] {
  if (Array.isArray(spec[0])) return spec[0];
  const opts = (spec[1] ?? {}) as { options?: unknown };
  return Array.isArray(opts.options) ? opts.options : [];
}

/** A widget in the UI: a value-typed input that is not forced to be a socket. */
export function isWidget(spec: InputSpec): boolean {
  return inputKind(spec) !== 'LINK' && !(spec[1] as { forceInput?: boolean } | undefined)?.forceInput;
}

/** Seed-like widgets are followed by a control value in `widgets_values` (§3.4). */
export function hasControlValue(name: string, spec: InputSpec): boolean {
  const opts = (spec[1] ?? {}) as { control_after_generate?: boolean };
  return Boolean(opts.control_after_generate) || (spec[0] === 'INT' && (name === 'seed' || name === 'noise_seed'));
}

export function defaultValue(spec: InputSpec): unknown {
  const opts = (spec[1] ?? {}) as { default?: unknown };
  if (opts.default !== undefined) return opts.default;
  return inputKind(spec) === 'COMBO' ? comboOptions(spec)[0] : undefined;
}
