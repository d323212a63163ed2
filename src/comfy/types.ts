/**
 * Shapes of ComfyUI's API as gpuburst uses them (docs/reference/comfyui.md §1–§3). Only the fields we read
 * are typed; everything else passes through untouched.
 */

interface ApiNode {
  class_type: string;
  inputs: Record<string, unknown>;
  _meta?: { title?: string };
}

/** API ("prompt") format: node id string → node. */
export type ApiPrompt = Record<string, ApiNode>;

/** One input spec: `[type, options?]`, where type is a name, a legacy combo list, or "COMBO" with options (§1.12). */
export type InputSpec = [string | unknown[], Record<string, unknown>?] | [string];

export interface NodeInfo {
  input: { required?: Record<string, InputSpec>; optional?: Record<string, InputSpec>; hidden?: Record<string, unknown> };
  input_order?: { required?: string[]; optional?: string[]; hidden?: string[] };
  output: string[];
  output_is_list?: boolean[];
  output_name?: string[];
  name: string;
  display_name?: string | null;
  category?: string;
  output_node: boolean;
  [key: string]: unknown;
}

/** `/object_info`: class name → node info. */
export type ObjectInfo = Record<string, NodeInfo>;

/** One file a node produced, as listed in history outputs (§1.5). */
export interface OutputFile {
  filename: string;
  subfolder: string;
  type: 'output' | 'temp' | 'input' | string;
}

interface HistoryStatus {
  status_str: 'success' | 'error';
  completed: boolean;
  messages: [string, Record<string, unknown>][];
}

export interface HistoryEntry {
  prompt: unknown[];
  outputs: Record<string, Record<string, unknown>>;
  status?: HistoryStatus;
  meta?: Record<string, unknown>;
}

export interface QueueState {
  queue_running: unknown[][];
  queue_pending: unknown[][];
}

/** One problem found in a prompt, by ComfyUI or by our pre-flight validation. */
export interface NodeProblem {
  nodeId: string;
  classType: string;
  /** ComfyUI's error type, e.g. `value_not_in_list`, `required_input_missing`, `invalid_prompt`. */
  type: string;
  /** One line: `ckpt_name: 'x.safetensors' not in []`. */
  message: string;
  inputName?: string;
  /** Absent for errors (a run is refused); `warning` for what is not certain, e.g. a custom node offline. */
  severity?: 'warning';
}

/** A text frame from `/ws` (§2.3). */
export interface WsMessage {
  type: string;
  data: Record<string, unknown> & { prompt_id?: string };
}
