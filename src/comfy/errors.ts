/**
 * ComfyUI's answers mapped onto the typed error family. This is the only place that reads ComfyUI's own wording
 * (the `invalid_prompt` message carries the unknown class name); everything else branches on codes and classes.
 */
import { AuthError, BadInputError, ErrorInit, GpuburstError, NotFoundError, TransientError } from '../../providers/errors';
import type { HttpFailure } from '../../providers/http';
import type { ApiPrompt, NodeProblem } from './types';

/** ComfyUI refused a prompt (400, or 200 with `node_errors`): every problem with node id and class. */
export class PromptValidationError extends BadInputError {
  readonly problems: NodeProblem[];
  /** ComfyUI's top-level error type: `prompt_outputs_failed_validation`, `invalid_prompt`, … */
  readonly errorType: string;

  constructor(errorType: string, problems: NodeProblem[], init?: ErrorInit) {
    super(`ComfyUI rejected the prompt (${errorType}): ${problems.map(formatProblem).join('; ') || 'no details'}`, init);
    this.errorType = errorType;
    this.problems = problems;
  }
}

export function formatProblem(p: NodeProblem): string {
  return `node ${p.nodeId} (${p.classType || 'unknown class'}): ${p.message}`;
}

interface ComfyErrorBody {
  error?: { type?: string; message?: string; details?: string } | string;
  node_errors?: Record<string, { errors?: { type?: string; message?: string; details?: string; extra_info?: { input_name?: string } }[]; class_type?: string }>;
}

/** Problems from a `/prompt` answer body (400, or the `node_errors` of a 200). */
export function problemsFromBody(body: unknown): { errorType: string; problems: NodeProblem[] } {
  const b = (body ?? {}) as ComfyErrorBody;
  const top = typeof b.error === 'object' && b.error ? b.error : undefined;
  const problems: NodeProblem[] = [];
  for (const [nodeId, node] of Object.entries(b.node_errors ?? {})) {
    for (const e of node.errors ?? []) {
      problems.push({
        nodeId,
        classType: node.class_type ?? '',
        type: e.type ?? 'error',
        message: [e.message, e.details].filter(Boolean).join(': '),
        inputName: e.extra_info?.input_name,
      });
    }
  }
  if (problems.length === 0 && top) {
    // `invalid_prompt` names the node only in `details` ("Node ID '#12'") and the class only in the message.
    const nodeId = /#([^']+)'/.exec(top.details ?? '')?.[1] ?? '';
    const classType = /node (\S+) does not exist/.exec(top.message ?? '')?.[1] ?? '';
    problems.push({ nodeId, classType, type: top.type ?? 'error', message: top.message ?? 'rejected' });
  }
  return { errorType: top?.type ?? (typeof b.error === 'string' ? b.error : 'node_errors'), problems };
}

export function translateComfyFailure(f: HttpFailure, init: { machineId?: string; baseUrl?: string } = {}): GpuburstError {
  const base = { provider: 'comfyui' as const, status: f.status, machineId: init.machineId };
  // The host says which server, when a user runs several (--comfy-url twice) or typed the wrong port.
  const host = init.baseUrl ? new URL(init.baseUrl).host : undefined;
  const where = `ComfyUI${host ? ` at ${host}` : ''} ${f.method} ${f.path}`;
  if (f.status >= 300 && f.status < 400) {
    // The images' auth proxies (ai-dock Caddy) redirect unauthenticated callers to a login page.
    return new AuthError(`${where} was redirected to a login page (${f.status}): the access token is missing or wrong`, base);
  }
  if (f.status === 401) return new AuthError(`${where} refused the access token (401)`, base);
  if (f.status === 403) {
    // ComfyUI itself answers 403 for /view paths outside its folders; proxies answer 403 for bad tokens.
    if (/\/view$/.test(f.path)) return new BadInputError(`${where}: the subfolder is outside the server's folders (403)`, base);
    return new AuthError(`${where} was forbidden (403): check the access token`, base);
  }
  if (f.status === 400 && /\/prompt$/.test(f.path)) {
    const { errorType, problems } = problemsFromBody(f.data);
    return new PromptValidationError(errorType, problems, base);
  }
  if (f.status === 404) {
    // Routes every ComfyUI has: a 404 there means something else answers at that address.
    const core = /\/(object_info|system_stats|prompt|queue|history)$/.test(f.path);
    return new NotFoundError(`${where}: not found (404)${core && host ? `; is the server at ${host} a ComfyUI?` : ''}`, base);
  }
  if (f.status === 413) return new BadInputError(`${where}: the request is larger than the server accepts (413, --max-upload-size)`, base);
  if (f.status >= 400 && f.status < 500) return new BadInputError(`${where} was refused (${f.status})${bodyHint(f.data)}`, base);
  return new TransientError(`${where} failed (${f.status})${bodyHint(f.data)}`, base);
}

function bodyHint(data: unknown): string {
  if (data === undefined || data === null || data === '') return '';
  const text = typeof data === 'string' ? data : JSON.stringify(data);
  return `: ${text.replace(/\s+/g, ' ').slice(0, 160)}`;
}

/** Fills in class names ComfyUI left out (an `invalid_prompt` for a missing `class_type`) from the prompt we sent. */
export function withClasses(err: PromptValidationError, prompt: ApiPrompt): PromptValidationError {
  if (err.problems.every((p) => p.classType)) return err;
  const problems = err.problems.map((p) => ({ ...p, classType: p.classType || prompt[p.nodeId]?.class_type || '' }));
  return new PromptValidationError(err.errorType, problems, { provider: 'comfyui', status: err.status, machineId: err.machineId });
}
