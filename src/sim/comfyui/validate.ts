/**
 * `POST /prompt` validation as execution.py does it (reference §1.2): unknown classes and missing `class_type`
 * stop at the first offender; otherwise every output node is validated upstream, per-node errors are collected in
 * `node_errors` with `dependent_outputs`, and the prompt is accepted if at least one output validated.
 */
type Prompt = Record<string, { class_type?: string; inputs?: Record<string, unknown> }>;
type Spec = [unknown, Record<string, unknown>?];

export interface NodeDef {
  input: { required?: Record<string, Spec>; optional?: Record<string, Spec> };
  output: string[];
  output_node: boolean;
}

interface ValidationError {
  type: string;
  message: string;
  details: string;
  extra_info: Record<string, unknown>;
}

export interface ValidationResult {
  ok: boolean;
  error?: ValidationError;
  outputs: string[];
  nodeErrors: Record<string, { errors: ValidationError[]; dependent_outputs: string[]; class_type: string }>;
}

/** Per-class custom checks (VALIDATE_INPUTS): the inputs they take skip range and list checks. */
export type CustomChecks = Record<string, { inputs: string[]; check: (inputs: Record<string, unknown>) => string | true }>;

type Verdict = [boolean, ValidationError[]];

class CycleError extends Error {}

class PyError extends Error {
  constructor(readonly pyType: string, message: string) {
    super(message);
  }
}

export function validatePrompt(prompt: Prompt, defs: Record<string, NodeDef>, custom: CustomChecks, partial?: string[]): ValidationResult {
  const outputs: string[] = [];
  for (const [id, node] of Object.entries(prompt)) {
    if (!node || typeof node !== 'object' || !('class_type' in node)) return fail('invalid_prompt', 'Cannot execute because a node is missing the class_type property.', `Node ID '#${id}'`);
    // validate_prompt looks class_type up in a dict: a JSON object or array is unhashable there, and the TypeError
    // reaches aiohttp as its 500 page (seen on a real v0.3.64 with `"class_type": {}`).
    if (typeof node.class_type === 'object' && node.class_type !== null) throw new PyError('TypeError', `unhashable type: '${Array.isArray(node.class_type) ? 'list' : 'dict'}'`);
    const def = own(defs, String(node.class_type));
    if (!def) return fail('invalid_prompt', `Cannot execute because node ${pyStr(node.class_type)} does not exist.`, `Node ID '#${id}'`);
    if (def.output_node && (!partial || partial.includes(id))) outputs.push(id);
  }
  if (outputs.length === 0) return fail('prompt_no_outputs', 'Prompt has no outputs', '');
  const validated = new Map<string, Verdict>();
  const good: string[] = [];
  const nodeErrors: ValidationResult['nodeErrors'] = {};
  const lines: string[] = [];
  for (const o of outputs) {
    let verdict: Verdict;
    try {
      verdict = validateInputs(prompt, o, validated, defs, custom);
    } catch (ex) {
      if (ex instanceof CycleError) {
        for (const [id, v] of [...validated]) if (v[1].length === 0) validated.delete(id);
        continue;
      }
      verdict = [false, [{ type: 'exception_during_validation', message: 'Exception when validating node', details: (ex as Error).message, extra_info: { exception_type: pyType(ex), traceback: [] } }]];
      validated.set(o, verdict);
    }
    if (verdict[0]) {
      good.push(o);
      continue;
    }
    for (const e of verdict[1]) lines.push(`${e.message}: ${e.details}`);
    for (const [id, [ok, reasons]] of validated) {
      if (ok || reasons.length === 0) continue;
      nodeErrors[id] ??= { errors: reasons, dependent_outputs: [], class_type: String(prompt[id].class_type) };
      nodeErrors[id].dependent_outputs.push(o);
    }
  }
  if (good.length === 0) {
    return { ok: false, error: { type: 'prompt_outputs_failed_validation', message: 'Prompt outputs failed validation', details: lines.join('\n'), extra_info: {} }, outputs: [], nodeErrors };
  }
  return { ok: true, outputs: good, nodeErrors };
}

/**
 * validate_inputs recurses once per link on Python's default recursion limit: the real 0.3.64 accepted a chain of
 * 985 nodes from an output and refused 986, with the RecursionError caught one level up as an inner node's
 * exception (there a few levels higher than here: helpers called inside take frames too).
 */
const PYTHON_LINK_DEPTH = 985;

function validateInputs(prompt: Prompt, id: string, validated: Map<string, Verdict>, defs: Record<string, NodeDef>, custom: CustomChecks, visiting = new Set<string>(), depth = 1): Verdict {
  const known = validated.get(id);
  if (known) return known;
  if (depth > PYTHON_LINK_DEPTH) throw new PyError('RecursionError', 'maximum recursion depth exceeded while calling a Python object');
  // A link back to a node still being validated: the real server fails the output without naming any node
  // (node_errors stays empty, captured in gpuburst.err_cycle.http).
  if (visiting.has(id)) throw new CycleError();
  visiting.add(id);
  const node = prompt[id];
  if (!node.inputs || typeof node.inputs !== 'object') throw new PyError('KeyError', "'inputs'");
  const inputs = node.inputs;
  const def = own(defs, String(node.class_type)) as NodeDef;
  const checks = custom[String(node.class_type)];
  const errors: ValidationError[] = [];
  let valid = true;
  const specs: [string, Spec, 'required' | 'optional'][] = [
    ...Object.entries(def.input.required ?? {}).map(([k, s]) => [k, s, 'required'] as [string, Spec, 'required']),
    ...Object.entries(def.input.optional ?? {}).map(([k, s]) => [k, s, 'optional'] as [string, Spec, 'optional']),
  ];
  for (const [x, spec, category] of specs) {
    const [type, extra = {}] = spec;
    const info = [type, extra];
    if (!(x in inputs)) {
      if (category === 'required') errors.push({ type: 'required_input_missing', message: 'Required input is missing', details: x, extra_info: { input_name: x } });
      continue;
    }
    let val = inputs[x];
    if (Array.isArray(val)) {
      if (val.length !== 2) {
        errors.push({ type: 'bad_linked_input', message: 'Bad linked input, must be a length-2 list of [node_id, slot_index]', details: x, extra_info: { input_name: x, input_config: info, received_value: val } });
        continue;
      }
      // Prompt keys are strings: a number (or a missing id) is a KeyError, shown as Python's str() of the key.
      const source = typeof val[0] === 'string' ? prompt[val[0]] : undefined;
      if (!source) throw new PyError('KeyError', typeof val[0] === 'string' ? `'${val[0]}'` : pyStr(val[0]));
      const received = own(defs, String(source.class_type))?.output[Number(val[1])];
      if (received === undefined) throw new PyError('IndexError', 'tuple index out of range');
      if (!typesMatch(received, type)) {
        errors.push({ type: 'return_type_mismatch', message: 'Return type mismatch between linked nodes', details: `${x}, received_type(${received}) mismatch input_type(${type})`, extra_info: { input_name: x, input_config: info, received_type: received, linked_node: val } });
        continue;
      }
      try {
        if (!validateInputs(prompt, String(val[0]), validated, defs, custom, visiting, depth + 1)[0]) valid = false;
      } catch (ex) {
        if (ex instanceof CycleError) throw ex;
        valid = false;
        validated.set(String(val[0]), [false, [{ type: 'exception_during_inner_validation', message: 'Exception when validating inner node', details: (ex as Error).message, extra_info: { input_name: x, input_config: info, exception_message: (ex as Error).message, exception_type: pyType(ex), traceback: [], linked_node: val } }]]);
      }
      continue;
    }
    if (val && typeof val === 'object' && '__value__' in (val as object)) val = inputs[x] = (val as { __value__: unknown }).__value__;
    try {
      val = inputs[x] = coerce(type, val);
    } catch (ex) {
      errors.push({ type: 'invalid_input_type', message: `Failed to convert an input value to a ${type} value`, details: `${x}, ${pyStr(val)}, ${(ex as Error).message}`, extra_info: { input_name: x, input_config: info, received_value: val, exception_message: (ex as Error).message } });
      continue;
    }
    if (checks?.inputs.includes(x)) continue;
    if (typeof extra.min === 'number' && (val as number) < extra.min) {
      errors.push({ type: 'value_smaller_than_min', message: `Value ${pyStr(val)} smaller than min of ${pyStr(extra.min)}`, details: x, extra_info: { input_name: x, input_config: info, received_value: val } });
      continue;
    }
    if (typeof extra.max === 'number' && (val as number) > extra.max) {
      errors.push({ type: 'value_bigger_than_max', message: `Value ${pyStr(val)} bigger than max of ${pyStr(extra.max)}`, details: x, extra_info: { input_name: x, input_config: info, received_value: val } });
      continue;
    }
    if (Array.isArray(type) && !type.some((o) => o === val)) {
      const big = type.length > 20;
      errors.push({ type: 'value_not_in_list', message: 'Value not in list', details: `${x}: '${pyStr(val)}' not in ${big ? `(list of length ${type.length})` : pyStr(type)}`, extra_info: { input_name: x, input_config: big ? null : info, received_value: val } });
    }
  }
  if (checks) {
    const r = checks.check(inputs);
    if (r !== true) for (const x of checks.inputs) errors.push({ type: 'custom_validation_failed', message: 'Custom validation failed for node', details: `${x} - ${r}`, extra_info: { input_name: x } });
  }
  const verdict: Verdict = [errors.length === 0 && valid, errors];
  validated.set(id, verdict);
  return verdict;
}

/** execution.py's coercions: int(), float(), str(), bool(). */
function coerce(type: unknown, val: unknown): unknown {
  if (type === 'INT') {
    if (typeof val === 'number' && Number.isFinite(val)) return Math.trunc(val);
    if (typeof val === 'boolean') return val ? 1 : 0;
    if (typeof val === 'string' && /^\s*[+-]?\d+\s*$/.test(val)) return parseInt(val, 10);
    throw new Error(typeof val === 'string' ? `invalid literal for int() with base 10: '${val}'` : `int() argument must be a string, a bytes-like object or a real number, not '${pyTypeName(val)}'`);
  }
  if (type === 'FLOAT') {
    if (typeof val === 'number') return val;
    if (typeof val === 'boolean') return val ? 1 : 0;
    if (typeof val === 'string' && val.trim() !== '' && !Number.isNaN(Number(val))) return Number(val);
    throw new Error(typeof val === 'string' ? `could not convert string to float: '${val}'` : `float() argument must be a string or a real number, not '${pyTypeName(val)}'`);
  }
  if (type === 'STRING') return typeof val === 'string' ? val : pyStr(val);
  if (type === 'BOOLEAN') return Boolean(val) && !(Array.isArray(val) && val.length === 0) && !(typeof val === 'object' && val !== null && Object.keys(val).length === 0);
  return val;
}

/** validation.py: exact match, `*` on either side, or overlap of comma unions; a combo list never matches a link. */
function typesMatch(received: string, input: unknown): boolean {
  if (received === '*' || input === '*') return true;
  if (typeof input !== 'string') return false;
  if (received === input) return true;
  const inputs = new Set(input.split(',').map((t) => t.trim()));
  return received.split(',').some((t) => inputs.has(t.trim()));
}

function own(defs: Record<string, NodeDef>, cls: string): NodeDef | undefined {
  return Object.prototype.hasOwnProperty.call(defs, cls) ? defs[cls] : undefined;
}

function fail(type: string, message: string, details: string): ValidationResult {
  return { ok: false, error: { type, message, details, extra_info: {} }, outputs: [], nodeErrors: {} };
}

function pyType(ex: unknown): string {
  return ex instanceof PyError ? ex.pyType : 'Exception';
}

function pyTypeName(v: unknown): string {
  return v === null || v === undefined ? 'NoneType' : Array.isArray(v) ? 'list' : typeof v === 'object' ? 'dict' : typeof v;
}

/** Python's str()/repr() for the values that appear in messages. */
function pyStr(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((x) => (typeof x === 'string' ? `'${x}'` : pyStr(x))).join(', ')}]`;
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}
