/**
 * Paperspace words → gpuburst words: machine states, machine-type labels → the GPU name table (../gpus), the name format
 * that carries the session id (Paperspace machines have no tags, docs/reference/paperspace.md §9), and error translation.
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
import { MACHINE_NAME_PREFIX, MachineStatus } from '../types';

/** v1 `state` enum (docs/reference/paperspace.md §4); case is normalized because older clients spell `serviceReady`. */
const STATUS: Record<string, MachineStatus> = {
  provisioning: 'pending',
  starting: 'booting',
  restarting: 'booting',
  upgrading: 'booting',
  // "services are running on the machine but the Paperspace agent is not yet available".
  serviceready: 'booting',
  // Running; `ready` for gpuburst only after the caller's probe answered.
  ready: 'running',
  stopping: 'stopping',
  off: 'stopped',
};

export function machineStatus(state: string): MachineStatus {
  return STATUS[state.toLowerCase()] ?? 'pending';
}

interface GpuInfo {
  gpu: string;
  vramGb: number;
}

/** Base machine-type labels (docs/reference/paperspace.md §2) → GPU memory, GB; the label itself names the card. */
const VRAM_GB_BY_TYPE: Record<string, number> = {
  'GPU+': 8,
  P4000: 8,
  P5000: 16,
  P6000: 24,
  RTX4000: 8,
  RTX5000: 16,
  A4000: 16,
  A5000: 24,
  A6000: 48,
  V100: 16,
  'V100-32G': 32,
  A100: 40,
  'A100-80G': 80,
  H100: 80,
};

/** "A4000x4" → RTX A4000 × 4 (names from the one table, ../gpus); CPU types (C5…) and unknown labels → undefined. */
export function gpuOfMachineType(machineType: string): (GpuInfo & { gpuCount: number }) | undefined {
  const m = /^(.+?)(?:x(\d+))?$/.exec(machineType.trim());
  const vramGb = m ? VRAM_GB_BY_TYPE[m[1]] : undefined;
  if (!m || vramGb === undefined) return undefined;
  return { gpu: normalizeGpuName(m[1], vramGb), vramGb, gpuCount: m[2] ? Number(m[2]) : 1 };
}

/** Marker used when the spec name does not already carry the session id in the session's own format. */
const SESSION_MARK = '~';

/**
 * The name stored at Paperspace. The session names machines `gpuburst-<sessionId>-<rand>` (rand without '-'); such a
 * name is kept as is. Any other name gets `~<sessionId>` appended so the sweep can still read the session back.
 */
export function providerMachineName(name: string, sessionId: string): string {
  if (!name.startsWith(MACHINE_NAME_PREFIX) || name.includes(SESSION_MARK)) {
    throw new BadInputError(`paperspace: machine name "${name}" must start with "${MACHINE_NAME_PREFIX}" and must not contain "${SESSION_MARK}"`, { provider: 'paperspace' });
  }
  return parseMachineName(name).sessionId === sessionId ? name : `${name}${SESSION_MARK}${sessionId}`;
}

/** Inverse of providerMachineName: `gpuburst-a-b-c` → session `a-b`; `gpuburst-x-y~s1` → name `gpuburst-x-y`, session `s1`. */
export function parseMachineName(stored: string): { name: string; sessionId?: string } {
  const mark = stored.indexOf(SESSION_MARK);
  if (mark >= 0) return { name: stored.slice(0, mark), sessionId: stored.slice(mark + 1) || undefined };
  const m = new RegExp(`^${MACHINE_NAME_PREFIX}(.+)-[^-]+$`).exec(stored);
  return { name: stored, sessionId: m?.[1] };
}

export function isOurs(stored: string): boolean {
  return stored.startsWith(MACHINE_NAME_PREFIX);
}

/** Event error texts that mean "no capacity" (legacy wording, docs/reference/paperspace.md §4); configurable. */
export const DEFAULT_CAPACITY_PATTERN = /insufficient capacity|higher than normal demand|no capacity|out of capacity/i;

export interface TranslateOptions {
  capacityPattern?: RegExp;
  keyVar?: string;
}

/** One `{code, message, details?}` body (docs/reference/paperspace.md §7) → the typed error family. */
export function translate(f: HttpFailure, opts: TranslateOptions = {}): GpuburstError {
  const body = (typeof f.data === 'object' && f.data !== null ? f.data : {}) as { code?: unknown; message?: unknown };
  const code = typeof body.code === 'string' ? body.code : '';
  const said = errorText(typeof body.message === 'string' ? body.message : f.data, 200);
  const init = { provider: 'paperspace' as const, status: f.status };
  const text = `paperspace: ${f.method} ${f.path} failed (${f.status}${code ? ' ' + code : ''})${said ? ': ' + said : ''}`.replace(/\s+/g, ' ').trim();
  if (f.status === 401 || f.status === 403 || code === 'UNAUTHORIZED' || code === 'FORBIDDEN') {
    return new AuthError(`paperspace: API key rejected (${f.status}); check ${opts.keyVar ?? 'PAPERSPACE_API_KEY'}`, init);
  }
  if (f.status === 429 || code === 'TOO_MANY_REQUESTS') return new RateLimitError(text, { ...init, retryAfterSeconds: f.retryAfterSeconds });
  if (f.status === 404 || code === 'NOT_FOUND') return new NotFoundError(text, init);
  if (f.status >= 500 || f.status === 408 || f.status === 499 || code === 'TIMEOUT' || code === 'INTERNAL_SERVER_ERROR') return new TransientError(text, init);
  if ((opts.capacityPattern ?? DEFAULT_CAPACITY_PATTERN).test(said)) return new CapacityError(text, init);
  // "This machine is currently starting." is a state conflict, not bad input (docs/reference/paperspace.md §6).
  if (/this machine is currently/i.test(said) || f.status === 409 || f.status === 412) return new ProviderError(text, init);
  if (f.status === 400 || f.status === 413 || f.status === 422 || code === 'BAD_REQUEST' || code === 'PARSE_ERROR') return new BadInputError(text, init);
  return new ProviderError(text, init);
}

/** The CLI treats a 2xx JSON object holding only `code` + `message` (≤ 3 keys) as an error (docs/reference/paperspace.md §7). */
export function isErrorBody(data: unknown): boolean {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return false;
  const o = data as Record<string, unknown>;
  return typeof o.code === 'string' && typeof o.message === 'string' && Object.keys(o).length <= 3;
}

/** TRPC-style code → HTTP status, for an error body that arrived with 2xx. */
export const STATUS_OF_CODE: Record<string, number> = {
  PARSE_ERROR: 400,
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_SUPPORTED: 405,
  TIMEOUT: 408,
  CONFLICT: 409,
  PRECONDITION_FAILED: 412,
  PAYLOAD_TOO_LARGE: 413,
  TOO_MANY_REQUESTS: 429,
  CLIENT_CLOSED_REQUEST: 499,
  INTERNAL_SERVER_ERROR: 500,
};
