/**
 * RunPod's words → gpuburst's: pod status → MachineStatus, GPU type ids → the GPU name table (../gpus), and error responses
 * (v2 problem+json, GraphQL `errors`, bare text) → the typed error family (docs/reference/runpod.md §4, §7).
 */
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
import { normalizeGpuName } from '../gpus';
import type { HttpFailure } from '../http';
import { errorText } from '../response';
import type { MachineStatus } from '../types';
import type { PodStatus } from './api';

const PROVIDER = 'runpod';

export function machineStatus(status: PodStatus | string): MachineStatus {
  switch (status) {
    case 'PROVISIONING':
      return 'pending';
    case 'STARTING':
      return 'booting';
    // RUNNING means "container healthy", not "ComfyUI answers": `ready` is set only after the caller's probe.
    case 'RUNNING':
      return 'running';
    case 'EXITED':
      return 'stopped';
    case 'TERMINATED':
      return 'terminated';
    default:
      // ERROR, and any status word a later API version adds that we cannot interpret.
      return 'failed';
  }
}

/** GPU type id → the one GPU name table ("NVIDIA A100-SXM4-80GB" → "A100 80GB"); ids may carry doubled spaces. */
export function gpuName(id: string, memoryGb?: number): string {
  return normalizeGpuName(id, memoryGb);
}

/** Capacity wording in each API generation (docs/reference/runpod.md §7.1, §7.3). Overridable with GPUBURST_RUNPOD_CAPACITY_MATCH. */
export const DEFAULT_CAPACITY_MATCH =
  /no longer any instances available|no instances available|could not be placed|out of capacity|not have the resources to deploy/i;

export interface TranslateOptions {
  capacityMatch?: RegExp;
}

interface Problem {
  title?: string;
  status?: number;
  detail?: string;
  errors?: unknown[];
}

/** One line of text from whatever the response body was. */
function describe(data: unknown): string {
  if (data === undefined || data === null || data === '') return '';
  if (typeof data === 'string') return errorText(data);
  const p = data as Problem & { message?: string };
  const gqlMessage = Array.isArray(p.errors) ? (p.errors[0] as { message?: string } | undefined)?.message : undefined;
  const parts = [p.detail ?? p.message ?? gqlMessage, ...(Array.isArray(p.errors) && p.detail ? p.errors.filter((e) => typeof e === 'string') : [])];
  const text = parts.filter(Boolean).join('; ');
  return text ? text.slice(0, 300) : JSON.stringify(data).slice(0, 300);
}

function podIdOf(path: string): string | undefined {
  const m = /^\/v2\/pods\/([^/]+)/.exec(path);
  return m ? decodeURIComponent(m[1]) : undefined;
}

/** Maps one failed response onto the error family. Only this function reads RunPod's wording. */
export function translate(f: HttpFailure, opts: TranslateOptions = {}): GpuburstError {
  const capacity = opts.capacityMatch ?? DEFAULT_CAPACITY_MATCH;
  const detail = describe(f.data);
  const where = `${f.method} ${f.path.split('?')[0]}`;
  const init = { provider: PROVIDER, status: f.status, machineId: podIdOf(f.path) } as const;
  const said = detail ? `: ${detail}` : '';
  switch (true) {
    case f.status === 401:
      return new AuthError(`runpod: the API key was refused (401${said}); check RUNPOD_API_KEY`, init);
    case f.status === 403:
      return new AuthError(`runpod: the API key has no access to ${where} (403${said}); check RUNPOD_API_KEY and its permissions`, init);
    case f.status === 429:
      return new RateLimitError(`runpod: rate limited on ${where}${said}`, { ...init, retryAfterSeconds: f.retryAfterSeconds });
    case f.status === 404:
      return new NotFoundError(`runpod: ${where} not found${said}`, init);
    // v2 create answers 400 both for "could not be placed" and for cross-field rules; only the detail tells them apart.
    case f.status === 400 && capacity.test(detail):
      return new CapacityError(`runpod: no capacity${said}`, init);
    case f.status === 402:
      return new ProviderError(`runpod: insufficient balance (402${said}); add credit to the RunPod account`, init);
    case f.status === 409:
      return new ProviderError(`runpod: ${where} conflicts with the pod's current state (409${said})`, init);
    case f.status === 400 || f.status === 405 || f.status === 413 || f.status === 422:
      return new BadInputError(`runpod: ${where} was rejected (${f.status}${said})`, init);
    case f.status >= 500 || f.status === 408:
      return new TransientError(`runpod: ${where} failed (${f.status}${said})`, init);
    default:
      return new ProviderError(`runpod: ${where} failed (${f.status}${said})`, init);
  }
}

/** GraphQL answers client errors with HTTP 200 and an `errors` array (docs/reference/runpod.md §7.1). */
export function graphqlError(errors: unknown[], opts: TranslateOptions = {}): GpuburstError {
  const first = (errors[0] ?? {}) as { message?: string; extensions?: { code?: string } };
  const message = String(first.message ?? 'unknown GraphQL error').replace(/\s+/g, ' ').slice(0, 300);
  const init = { provider: PROVIDER, status: 200 } as const;
  if (/^unauthori[sz]ed$/i.test(message.trim()) || first.extensions?.code === 'UNAUTHENTICATED') {
    return new AuthError(`runpod: the API key was refused by the GraphQL API (${message}); check RUNPOD_API_KEY`, init);
  }
  if ((opts.capacityMatch ?? DEFAULT_CAPACITY_MATCH).test(message)) return new CapacityError(`runpod: no capacity: ${message}`, init);
  return new ProviderError(`runpod: GraphQL error: ${message}`, init);
}
