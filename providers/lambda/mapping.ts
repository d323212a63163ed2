/**
 * Lambda's words → gpuburst's: instance types → the GPU name table (../gpus), instance status → MachineStatus, and
 * error bodies → the typed error family. Lambda asks clients to branch on `error.code`, never on message text
 * (docs/reference/lambda.md §7), so translation reads the code and falls back on the HTTP status.
 */
import type { HttpFailure } from '../http';
import {
  AuthError,
  BadInputError,
  CapacityError,
  GpuburstError,
  NotFoundError,
  ProviderError,
  RateLimitError,
  TransientError,
} from '../errors';
import { gpuModel, normalizeGpuName } from '../gpus';
import type { MachineStatus } from '../types';

export interface GpuInfo {
  gpu: string;
  gpuCount: number;
  vramGb: number;
}

const TYPE_NAME = /^gpu_(\d+)x_([a-z0-9_]+)$/;

/**
 * GPU name (the table in ../gpus), count and VRAM of an instance type `gpu_{N}x_{gpu}[_{suffix}]` (docs/reference/lambda.md §2);
 * undefined for CPU-only types. The description ("A100 (40 GB SXM4)") names the card and its memory; the type
 * name's token stands in when it is missing.
 */
export function gpuInfo(typeName: string, gpuDescription = '', gpus?: number): GpuInfo | undefined {
  const m = TYPE_NAME.exec(typeName);
  if (!m) return undefined;
  const described = /\((\d+)\s*GB/i.exec(gpuDescription);
  const raw = gpuDescription.replace(/\(.*\)/, '').trim() || m[2];
  const gpu = normalizeGpuName(raw, described ? Number(described[1]) : undefined);
  const vramGb = described ? Number(described[1]) : gpuModel(gpu)?.vramGb;
  if (vramGb === undefined) return undefined;
  return { gpu, gpuCount: gpus ?? Number(m[1]), vramGb };
}

/** `InstanceStatus` (docs/reference/lambda.md §4) onto the one lifecycle. `ready` is the caller's probe's verdict, never ours. */
export function machineStatus(status: string): MachineStatus {
  switch (status) {
    case 'booting':
      return 'booting';
    // `unhealthy` may recover (SkyPilot waits on it); the probe decides whether ComfyUI is usable.
    case 'active':
    case 'unhealthy':
      return 'running';
    // Billing ends at the terminate request (docs/reference/lambda.md §6), so `terminating` is already over for us.
    case 'terminating':
    case 'terminated':
      return 'terminated';
    // Preempted (not in Lambda's on-demand docs) or BREV's `error`: not usable; the caller terminates to be sure.
    case 'preempted':
    case 'error':
      return 'failed';
    default:
      // Unknown words: treat as still coming up so nothing that may bill is forgotten.
      return 'pending';
  }
}

interface LambdaErrorBody {
  error?: { code?: unknown; message?: unknown; suggestion?: unknown };
}

/** An edge (not API) answer that BREV treats as a temporary ban; plain text, no error envelope (docs/reference/lambda.md §7). */
const TEMPORARY_BAN_TEXT = /banned you temporarily/i;

export function translate(f: HttpFailure): GpuburstError {
  const err = (f.data as LambdaErrorBody | undefined)?.error;
  const code = typeof err?.code === 'string' ? err.code : '';
  const init = { provider: 'lambda' as const, status: f.status };
  const text = describe(f, code, err?.message, err?.suggestion);

  if (f.status === 429 || (typeof f.data === 'string' && TEMPORARY_BAN_TEXT.test(f.data))) {
    return new RateLimitError(`lambda: rate limited on ${f.method} ${f.path} (1 request/s, 1 launch per 12 s)`, { ...init, retryAfterSeconds: f.retryAfterSeconds });
  }
  switch (code) {
    case 'global/invalid-api-key':
      return new AuthError(`lambda: API key was rejected (${code}); check LAMBDA_API_KEY`, init);
    case 'global/account-inactive':
    case 'global/forbidden':
      return new AuthError(`${text}; check the account behind LAMBDA_API_KEY`, init);
    case 'instance-operations/launch/insufficient-capacity':
      return new CapacityError(text, init);
    case 'global/object-does-not-exist':
    case 'global/not-found':
      return new NotFoundError(text, init);
    case 'global/invalid-parameters':
    case 'instance-operations/launch/file-system-in-wrong-region':
      return new BadInputError(text, init);
    case 'global/internal-error':
      return new TransientError(text, init);
    // The account's billing address: a provider refusal, not a key problem.
    case 'global/invalid-address':
      return new ProviderError(text, init);
  }
  // Upstream trouble Lambda passes through (e.g. provider/internal-unavailable): "Try again shortly".
  if (code.startsWith('provider/') || f.status >= 500) return new TransientError(text, init);
  if (f.status === 401 || f.status === 403) {
    return code ? new AuthError(text, init) : new AuthError(`lambda: request refused (${f.status}); check LAMBDA_API_KEY`, init);
  }
  if (f.status === 404) return new NotFoundError(text, init);
  // Quota, billing address, conflicts and the rest: the provider refused; another try will not change that.
  if (code || f.status === 409) return new ProviderError(text, init);
  return f.status === 400 ? new BadInputError(text, init) : new ProviderError(text, init);
}

function describe(f: HttpFailure, code: string, message: unknown, suggestion: unknown): string {
  const parts = [typeof message === 'string' && message ? message : `${f.method} ${f.path} failed with HTTP ${f.status}`];
  if (typeof suggestion === 'string' && suggestion) parts.push(suggestion);
  const line = `lambda: ${parts.join(' ')}${code ? ` (${code})` : ''}`;
  return line.replace(/\s+/g, ' ').trim();
}
