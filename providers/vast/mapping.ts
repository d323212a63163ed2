/**
 * Vast words → gpuburst words: `actual_status` → MachineStatus, instance → Machine, error responses → the typed
 * error family. Reference: ../../../shared/reference/vast.md §4 (lifecycle), §7 (errors, rate limits).
 */
import { AuthError, BadInputError, CapacityError, GpuburstError, NotFoundError, ProviderError, RateLimitError, TransientError } from '../errors';
import type { HttpFailure } from '../http';
import type { Machine, MachineStatus } from '../types';
import { endpointOf, VastInstance } from './api';
import { normalizeGpuName } from './gpu-names';
import { DEFAULT_MIN_INTERVAL_SECONDS, VastEndpoint } from './settings';

export { normalizeGpuName, vastNamesFor } from './gpu-names';

/** Env marker holding the session id; Vast echoes it back in `extra_env` (vast.md §9). */
export const SESSION_ENV = 'GPUBURST_SESSION';

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
export const CREATE_ERROR_PATTERN = /error|failed/i;

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

/** ComfyUI base URL: `http://{public_ipaddr.trim()}:{ports["8188/tcp"][0].HostPort}` (vast.md §5). */
export function endpointOf8188(inst: VastInstance, comfyPort: number): string | undefined {
  const host = inst.public_ipaddr?.trim();
  const hostPort = inst.ports?.[`${comfyPort}/tcp`]?.[0]?.HostPort;
  return host && hostPort ? `http://${host}:${String(hostPort).trim()}` : undefined;
}

export function envOf(inst: VastInstance): Record<string, string> {
  const raw = inst.extra_env;
  if (!raw) return {};
  if (Array.isArray(raw)) return Object.fromEntries(raw.filter((p) => Array.isArray(p) && p.length >= 2).map(([k, v]) => [String(k), String(v)]));
  return raw;
}

export function toMachine(inst: VastInstance, comfyPort: number): Machine {
  const status = machineStatus(inst);
  const stopped = status === 'stopped';
  const storageUsdPerHour = ((inst.disk_space ?? 0) * (inst.storage_cost ?? 0)) / (30 * 24);
  return {
    provider: 'vast',
    id: String(inst.id),
    name: inst.label ?? '',
    sessionId: envOf(inst)[SESSION_ENV],
    status,
    providerStatus: inst.actual_status ?? 'provisioning',
    gpu: inst.gpu_name ? normalizeGpuName(inst.gpu_name, inst.gpu_ram) : undefined,
    gpuCount: inst.num_gpus,
    // Stopped instances still pay for their disk (vast.md §6).
    usdPerHour: stopped ? storageUsdPerHour : inst.dph_total,
    endpoint: status === 'running' ? endpointOf8188(inst, comfyPort) : undefined,
    region: inst.geolocation?.trim() || undefined,
    createdAt: inst.start_date ? new Date(inst.start_date * 1000).toISOString() : undefined,
    message: status === 'failed' ? inst.status_msg?.trim() || undefined : undefined,
  };
}

interface VastErrorBody {
  success?: boolean;
  error?: string;
  msg?: string;
  message?: string;
  detail?: string;
  new_contract?: number;
}

/** Matchers for Vast's own wording; the `error` field is preferred, `msg` text is the fallback (vast.md §7). */
export const ERROR_TEXT = {
  noSuchAsk: /no_such_ask/i,
  badKey: /invalid user key|auth_error/i,
  goneInstance: /^(not_found|no_such_instance)$/,
  threshold: /threshold=\s*([\d.]+)/i,
  balance: /insufficient|credit|balance/i,
};

/** Maps a Vast error response onto the typed family. Messages are one line and start with the provider name. */
export function translate(f: HttpFailure, minIntervalSeconds: Record<VastEndpoint, number> = DEFAULT_MIN_INTERVAL_SECONDS): GpuburstError {
  const body: VastErrorBody = f.data && typeof f.data === 'object' ? (f.data as VastErrorBody) : {};
  const text = oneLine(body.msg ?? body.message ?? body.detail ?? (typeof f.data === 'string' ? f.data : '') ?? '');
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

function oneLine(s: string): string {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > 300 ? `${flat.slice(0, 297)}...` : flat;
}
