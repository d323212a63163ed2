/**
 * gpuburst's machine ↔ Paperspace's: MachineSpec → the create body and its run-once startup script (docs/reference/paperspace.md
 * §3, §5, §8), and a Paperspace machine (+ its latest lifecycle event) → Machine. Capacity failures are asynchronous
 * (§4): create answers 200, then the machine lands in `off` and/or its create event ends in `error`.
 */
import { vmBootstrapScript } from '../bootstrap';
import { BadInputError } from '../errors';
import type { Machine, MachineSpec } from '../types';
import type { CreateMachineBody, PsEvent, PsMachine } from './api';
import { gpuOfMachineType, machineStatus, parseMachineName } from './mapping';

/** Env var of the kill switch that names the machine; create rewrites it when Paperspace stores another name. */
export const NAME_VAR = 'GPUBURST_MACHINE_NAME';
/** 8-GPU A100/H100 types need NVLink enabled (SkyPilot constants, docs/reference/paperspace.md §2). */
const NVLINK_TYPES = /^(H100|A100-80G)x8$/;
/** Auto-shutdown accepts 1 hour to 1 week (docs/reference/paperspace.md §8, [I]). */
const AUTO_SHUTDOWN_HOURS = { min: 1, max: 168 };

export interface CreatePlacement {
  /** The name Paperspace stores (mapping.providerMachineName). */
  name: string;
  machineType: string;
  region: string;
  templateId: string;
  startupScriptId: string;
  diskSizesGb: number[];
}

export function createBody(spec: MachineSpec, p: CreatePlacement): CreateMachineBody {
  return {
    name: p.name,
    machineType: p.machineType,
    templateId: p.templateId,
    diskSize: diskSizeFor(spec.diskGb, p.diskSizesGb),
    region: p.region,
    publicIpType: 'dynamic',
    startOnCreate: true,
    startupScriptId: p.startupScriptId,
    emailPassword: false,
    ...(NVLINK_TYPES.test(p.machineType) ? { enableNvlink: true } : {}),
    ...autoShutdown(spec.maxLifetimeHours),
  };
}

/** The first-boot script, with the kill switch's machine name set to the name Paperspace actually stores. */
export function startupScript(spec: MachineSpec, storedName: string): string {
  const env = spec.env[NAME_VAR] === spec.name ? { ...spec.env, [NAME_VAR]: storedName } : spec.env;
  return vmBootstrapScript({ ...spec, env }, { sshUser: 'paperspace' });
}

/** Paperspace takes fixed disk sizes (docs/reference/paperspace.md §3): round up to the next accepted one. */
function diskSizeFor(diskGb: number, sizes: number[]): number {
  const size = sizes.find((s) => s >= diskGb);
  if (size === undefined) throw new BadInputError(`paperspace: disk of ${diskGb} GB is larger than the largest accepted size (${sizes.join(', ')} GB)`, { provider: 'paperspace' });
  return size;
}

/** Auto-shutdown only powers the machine off (it never deletes): a last resort, not a teardown. */
function autoShutdown(hours: number | undefined): Partial<CreateMachineBody> {
  if (hours === undefined || !(hours > 0)) return {};
  const timeout = Math.min(AUTO_SHUTDOWN_HOURS.max, Math.max(AUTO_SHUTDOWN_HOURS.min, Math.ceil(hours)));
  return { autoShutdownEnabled: true, autoShutdownTimeout: timeout, autoShutdownForce: true };
}

export interface MachineView {
  comfyPort: number;
  usdPerHour: Record<string, number>;
  capacityPattern: RegExp;
}

export function toMachine(pm: PsMachine, view: MachineView): Machine {
  const { name, sessionId } = parseMachineName(pm.name);
  const gpu = gpuOfMachineType(pm.machineType);
  const state = String(pm.state ?? '');
  let status = machineStatus(state);
  // Ready for gpuburst needs the dynamic public IP, which exists only while the machine is on (docs/reference/paperspace.md §5).
  if (status === 'running' && !pm.publicIp) status = 'booting';
  const rate = typeof pm.usageRate === 'number' && pm.usageRate > 0 ? pm.usageRate : view.usdPerHour[pm.machineType];
  return {
    provider: 'paperspace',
    id: pm.id,
    name,
    sessionId,
    status,
    providerStatus: state,
    gpu: gpu?.gpu,
    gpuCount: gpu?.gpuCount,
    // `off` is the only state without hourly compute fees; storage and IPs still bill (docs/reference/paperspace.md §6).
    usdPerHour: status === 'stopped' ? 0 : rate,
    endpoint: status === 'running' ? `http://${pm.publicIp}:${view.comfyPort}` : undefined,
    region: pm.region,
    createdAt: pm.dtCreated,
  };
}

export function goneMachine(id: string): Machine {
  return { provider: 'paperspace', id, name: '', status: 'terminated', providerStatus: 'deleted' };
}

const STARTS = new Set(['create', 'start', 'restart']);
export const LIFECYCLE_EVENTS = new Set([...STARTS, 'stop', 'vm-shutdown-force']);

/**
 * An `off` machine judged by its latest lifecycle event: a start that errored, or a create/start that finished
 * with the machine still off, is a failed placement (capacity, as far as the reference knows); after a stop it is
 * simply stopped; while a start is still in progress it is pending.
 */
export function judgeOff(machine: Machine, last: PsEvent | undefined, view: MachineView): { machine: Machine; capacity: boolean } {
  if (!last || !STARTS.has(last.name) || last.state === 'cancelled') return { machine, capacity: false };
  if (last.state === 'new' || last.state === 'in progress') return { machine: { ...machine, status: 'pending' }, capacity: false };
  if (last.state === 'error') {
    const message = last.error?.trim() || `${last.name} event ended in error`;
    return { machine: { ...machine, status: 'failed', message }, capacity: view.capacityPattern.test(message) };
  }
  const message = `landed in off after its ${last.name} finished; Paperspace does this when it has no capacity for the machine type`;
  return { machine: { ...machine, status: 'failed', message }, capacity: true };
}
