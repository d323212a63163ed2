/**
 * Workflow files come in two shapes (reference §3.1, §3.2): the API ("prompt") format the server runs, and the
 * UI graph the web page saves. Reading one gives a clear one-line error for anything else.
 */
import { BadInputError } from '../../../providers/errors';
import { readUserText } from '../../read-text';
import type { ApiPrompt } from '../types';

export type WorkflowFormat = 'api' | 'ui';

export interface UiWorkflow {
  nodes: unknown[];
  links: unknown[];
  definitions?: { subgraphs?: unknown[] };
  extra?: { groupNodes?: unknown };
  version?: number;
  [key: string]: unknown;
}

function isUiWorkflow(x: unknown): x is UiWorkflow {
  return isObject(x) && Array.isArray(x.nodes) && Array.isArray(x.links);
}

/** Every value a node object with a string `class_type` and an `inputs` object. */
function isApiPrompt(x: unknown): x is ApiPrompt {
  if (!isObject(x) || Object.keys(x).length === 0) return false;
  return Object.values(x).every((n) => isObject(n) && typeof n.class_type === 'string' && isObject(n.inputs));
}

export function detectFormat(x: unknown): WorkflowFormat | undefined {
  if (isUiWorkflow(x)) return 'ui';
  if (isApiPrompt(x)) return 'api';
  return undefined;
}

/** Reads and parses a workflow file; throws BadInputError naming the file for unreadable, malformed or unknown content. */
export function readWorkflowFile(file: string): { format: WorkflowFormat; json: ApiPrompt | UiWorkflow } {
  const json = readJsonFile(file);
  const format = detectFormat(json);
  if (!format) {
    throw new BadInputError(`${file}: not a ComfyUI workflow (expected the API format — node ids mapping to {class_type, inputs} — or a UI graph with "nodes" and "links")`);
  }
  return { format, json: json as ApiPrompt | UiWorkflow };
}

/** Workflows and node definitions: real ones are kilobytes to a few megabytes (object_info of 383 classes: 290 KB). */
const MAX_JSON_BYTES = 64 * 1024 * 1024;

export function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = readUserText(file, MAX_JSON_BYTES);
  } catch (err) {
    throw new BadInputError(`${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new BadInputError(`${file}: not valid JSON (${(err as Error).message})`);
  }
}

export function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
