/**
 * Paperspace machine (+ its latest lifecycle event) → gpuburst Machine. Capacity failures are asynchronous
 * (paperspace.md §4): create answers 200, then the machine lands in `off` and/or its create event ends in `error`.
 */
import type { Machine } from '../types';
import type { PsEvent, PsMachine } from './api';
import { gpuOfMachineType, machineStatus, parseMachineName } from './mapping';

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
  // Ready for gpuburst needs the dynamic public IP, which exists only while the machine is on (paperspace.md §5).
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
    // `off` is the only state without hourly compute fees; storage and IPs still bill (paperspace.md §6).
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
