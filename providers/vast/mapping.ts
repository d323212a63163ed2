/**
 * Vast words → gpuburst words: `actual_status` → MachineStatus, `gpu_name` → the GPU name table (../gpus), error
 * responses → the typed error family. Reference: docs/reference/vast.md §2 (names), §4 (lifecycle), §7 (errors, rate limits).
 */
import { AuthError, BadInputError, CapacityError, GpuburstError, NotFoundError, ProviderError, RateLimitError, TransientError } from '../errors';
import type { HttpFailure } from '../http';
import { gpuModel, GPUS, normalizeGpuName } from '../gpus';
import { errorText } from '../response';
import type { MachineStatus } from '../types';
import { endpointOf, VastInstance } from './api';
import { DEFAULT_MIN_INTERVAL_SECONDS, VastEndpoint } from './settings';

/**
 * Vast `gpu_name` spellings that differ from the table's names ("A100 SXM4", "RTX 6000Ada", "Tesla V100": spaces, no
 * vendor, sometimes no memory size, docs/reference/vast.md §2). Only used to widen a search; reading a name needs no list.
 */
const VAST_SPELLINGS = [
  'A100 PCIE', 'A100 SXM4', 'A100 SXM', 'A100X', 'A800 PCIE', 'H100 SXM', 'H100 PCIE', 'H100 NVL', 'H200 NVL',
  'RTX 6000Ada', 'RTX 5000Ada', 'RTX 4000Ada', 'RTX 2000Ada', 'Q RTX 6000', 'Q RTX 8000',
  'Tesla V100', 'Tesla T4', 'Tesla P100', 'Tesla P40', 'Tesla P4',
];

/** `gpu_name` + `gpu_ram` (MB) → the table's name; where the name does not tell the memory size, gpu_ram decides. */
export function gpuName(vastName: string, gpuRamMb = 0): string {
  return normalizeGpuName(vastName, gpuRamMb > 0 ? Math.round(gpuRamMb / 1024) : undefined);
}

/** Vast names worth asking the search for, for one normalized name (the name itself included). */
export function vastNamesFor(normalized: string): string[] {
  const wanted = normalized.trim().toLowerCase();
  const sizes = [...new Set(GPUS.map((g) => g.vramGb))];
  const out = new Set(VAST_SPELLINGS.filter((raw) => sizes.some((gb) => gpuName(raw, gb * 1024).toLowerCase() === wanted)));
  // The table's own spelling: the search compares names as written ("rtx 4090" finds nothing).
  out.add(gpuModel(normalized)?.name ?? normalized.trim());
  return [...out];
}

/**
 * `actual_status` when the instance is meant to run. null = provisioning; `exited`/`unknown`/`offline` never
 * reach running again (hello-world); `created` is fatal only with an error in `status_msg` (dstack).
 */
const RUNNING_INTENT: Record<string, MachineStatus> = {
  null: 'pending',
  scheduling: 'pending',
  created: 'booting',
  loading: 'booting',
  restarting: 'booting',
  rebooting: 'booting',
  running: 'running',
  stopped: 'failed',
  exited: 'failed',
  unknown: 'failed',
  offline: 'failed',
  frozen: 'failed',
  destroyed: 'terminated',
};

/** Text in `status_msg` that turns `created` into a failure ("OCI runtime create failed", docker errors). */
const CREATE_ERROR_PATTERN = /error|failed/i;

export function machineStatus(inst: Pick<VastInstance, 'actual_status' | 'intended_status' | 'status_msg'>): MachineStatus {
  const actual = inst.actual_status ?? 'null';
  if (actual === 'destroyed') return 'terminated';
  if (inst.intended_status === 'stopped') {
    // We asked for a stop: anything not yet down is on its way there.
    return ['exited', 'stopped', 'null', 'offline', 'created'].includes(actual) ? 'stopped' : 'stopping';
  }
  if (actual === 'created' && CREATE_ERROR_PATTERN.test(inst.status_msg ?? '')) return 'failed';
  return RUNNING_INTENT[actual] ?? 'booting';
}

interface VastErrorBody {
  success?: boolean;
  error?: string;
  msg?: string;
  message?: string;
  detail?: string;
  new_contract?: number;
}

/** Matchers for Vast's own wording; the `error` field is preferred, `msg` text is the fallback (docs/reference/vast.md §7). */
const ERROR_TEXT = {
  noSuchAsk: /no_such_ask/i,
  badKey: /invalid user key|auth_error/i,
  goneInstance: /^(not_found|no_such_instance)$/,
  threshold: /threshold=\s*([\d.]+)/i,
  balance: /insufficient|credit|balance/i,
};

/** Maps a Vast error response onto the typed family. Messages are one line and start with the provider name. */
export function translate(f: HttpFailure, minIntervalSeconds: Record<VastEndpoint, number> = DEFAULT_MIN_INTERVAL_SECONDS): GpuburstError {
  const body: VastErrorBody = f.data && typeof f.data === 'object' ? (f.data as VastErrorBody) : {};
  const text = errorText(body.msg ?? body.message ?? body.detail ?? (typeof f.data === 'string' ? f.data : '') ?? '');
  const code = body.error ?? '';
  const init = { provider: 'vast' as const, status: f.status, machineId: body.new_contract ? String(body.new_contract) : undefined };
  const what = `vast: ${f.method} ${f.path} → ${f.status}${code ? ` ${code}` : ''}${text ? `: ${text}` : ''}`;

  if (f.status === 401 || (f.status === 403 && code !== 'invalid_args') || ERROR_TEXT.badKey.test(`${code} ${text}`)) {
    return new AuthError('vast: the API key was refused; check VAST_API_KEY', init);
  }
  if (ERROR_TEXT.noSuchAsk.test(`${code} ${text}`) || code === 'invalid_price') {
    return new CapacityError(`vast: the offer is no longer available (${text || code}); list offers again and pick another`, init);
  }
  if (f.status === 429) {
    const hinted = ERROR_TEXT.threshold.exec(text)?.[1];
    const endpoint = endpointOfFailure(f);
    const retryAfterSeconds = f.retryAfterSeconds ?? (hinted ? Number(hinted) : endpoint ? minIntervalSeconds[endpoint] || undefined : undefined);
    return new RateLimitError(`vast: too many requests to ${f.method} ${f.path}${text ? ` (${text})` : ''}`, { ...init, retryAfterSeconds });
  }
  // Only Vast's own envelope means "no such instance": a bare 404 page means a wrong URL, and reading that as
  // "already gone" would let a misconfigured terminate report success while the machine keeps billing.
  if (ERROR_TEXT.goneInstance.test(code) || ((f.status === 404 || f.status === 410) && body.success === false)) return new NotFoundError(what, init);
  if (f.status === 404) return new ProviderError(`${what} (is GPUBURST_VAST_API_URL right?)`, init);
  if (f.status >= 500 || f.status === 408) return new TransientError(what, init);
  if (ERROR_TEXT.balance.test(`${code} ${text}`)) return new ProviderError(what, init);
  if (f.status >= 400) return new BadInputError(what, init);
  return new ProviderError(what, init);
}

function endpointOfFailure(f: HttpFailure): VastEndpoint | undefined {
  return f.path.startsWith('/v1/') ? endpointOf('v1', f.method, f.path.slice(3)) : endpointOf('v0', f.method, f.path);
}
