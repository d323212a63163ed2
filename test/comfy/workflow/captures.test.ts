/**
 * The pre-flight validator against a real ComfyUI v0.3.64's own verdicts (captured `POST /prompt` error replies):
 * against the server's definitions it refuses exactly what the server refused, on the same node. Offline (bundled
 * definitions) it differs only where the brief says it must: a custom node warns, a model the machine will get
 * is not an error.
 */
import type { ApiPrompt } from '../../../src/comfy/types';
import { bundledObjectInfo } from '../../../src/comfy/workflow/object-info';
import { errorsOnly, validateApiPrompt } from '../../../src/comfy/workflow/validate';
import { httpCaptureNames, readHttpCapture } from '../../fixtures/comfy/captures';

interface ServerReply {
  error?: { type: string; details: string };
  node_errors?: Record<string, unknown>;
}

/** The node ids the server blamed: node_errors keys, or the `#id` of an invalid_prompt, or '' for the prompt. */
function serverNodes(reply: ServerReply): string[] {
  const keys = Object.keys(reply.node_errors ?? {});
  if (keys.length) return keys.sort();
  const m = /#([^']+)'/.exec(reply.error?.details ?? '');
  return [m ? m[1] : ''];
}

const cases = httpCaptureNames('err_')
  .map(readHttpCapture)
  .filter((c) => c.method === 'POST' && c.path === '/prompt' && c.requestBody !== undefined);
const server = bundledObjectInfo();
const asServer = { ...server }; // a plain copy reads as a server's definitions

test('every captured /prompt refusal with a body is covered', () => {
  expect(cases.map((c) => c.name)).toEqual([
    'err_bad_int', 'err_bad_link', 'err_bad_output_index', 'err_load_missing_image', 'err_missing_class_type', 'err_missing_input',
    'err_no_outputs', 'err_no_prompt_key', 'err_out_of_range', 'err_unknown_class', 'err_value_not_in_list', 'err_wrong_type_link',
    'gpuburst.err_cycle', 'gpuburst.err_numeric_link',
  ]);
});

test.each(cases.map((c) => [c.name, c] as const))('%s: same verdict and node as the real server', (_name, c) => {
  const reply = JSON.parse(c.body.toString('utf8')) as ServerReply;
  const prompt = (c.requestBody as { prompt?: ApiPrompt }).prompt as ApiPrompt;
  const errors = errorsOnly(validateApiPrompt(prompt, { objectInfo: asServer, mode: 'server' }));
  expect(c.status).toBe(400);
  expect(errors.length).toBeGreaterThan(0);
  // The server names no node for a cycle (node_errors {}); we name one node of it.
  if (c.name === 'gpuburst.err_cycle') expect(errors).toEqual([expect.objectContaining({ type: 'dependency_cycle' })]);
  else expect([...new Set(errors.map((e) => e.nodeId))].sort()).toEqual(serverNodes(reply));
});

test('offline, the unknown class only warns and the missing checkpoint is left to the machine', () => {
  const unknown = (readHttpCapture('err_unknown_class').requestBody as { prompt: ApiPrompt }).prompt;
  const offline = validateApiPrompt(unknown, { objectInfo: server });
  expect(errorsOnly(offline)).toEqual([]);
  expect(offline).toEqual([expect.objectContaining({ nodeId: '1', severity: 'warning' })]);
  const model = (readHttpCapture('err_value_not_in_list').requestBody as { prompt: ApiPrompt }).prompt;
  expect(errorsOnly(validateApiPrompt(model, { objectInfo: server }))).toEqual([]);
  for (const definite of ['err_bad_int', 'err_bad_link', 'err_wrong_type_link', 'err_out_of_range', 'err_missing_input']) {
    const p = (readHttpCapture(definite).requestBody as { prompt: ApiPrompt }).prompt;
    expect(errorsOnly(validateApiPrompt(p, { objectInfo: server })).length).toBeGreaterThan(0);
  }
});
