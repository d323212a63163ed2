/** Records the Paperspace simulator keeps, and their JSON views (field names and types from docs/reference/paperspace.md §3–§4). */
import { STORAGE_USD_PER_GB_MONTH, type SimMachineType } from './catalog';

export interface SimEvent {
  id: string;
  name: string;
  state: 'new' | 'in progress' | 'done' | 'error' | 'cancelled';
  machineId: string;
  error: string | null;
  dtCreated: string;
  dtStarted: string | null;
  dtFinished: string | null;
  /** Insertion order, for stable sorting of events created in the same millisecond. */
  seq: number;
}

export interface SimScript {
  id: string;
  name: string;
  script: string;
  isRunOnce: boolean;
  isEnabled: boolean;
  assignedMachineIds: string[];
  dtCreated: string;
  dtDeleted: string | null;
}

export interface SimMachine {
  id: string;
  name: string;
  state: string;
  type: SimMachineType;
  machineType: string;
  region: string;
  templateId: string;
  os: string;
  diskSize: number;
  usageRate: number;
  publicIp: string | null;
  publicIpType: 'static' | 'dynamic' | 'none';
  startupScriptId?: string;
  autoShutdownEnabled: boolean;
  autoShutdownTimeout: number | null;
  autoShutdownForce: boolean | null;
  dtCreated: string;
  dtModified: string;
  dtDeleted: string | null;
  /** The create/start event still running, finished as `cancelled` if a stop or delete cuts it short. */
  pendingEvent?: SimEvent;
  /** Environment the first boot's startup script left behind (null: it ran nothing we can start). */
  installedEnv?: Record<string, string> | null;
  bootScript?: string;
  bootError?: string;
  comfyUrl?: string;
  /** Bumped at every power cycle, so a ComfyUI that finishes booting after a stop is closed again. */
  boots: number;
  timers: Set<NodeJS.Timeout>;
}

const GB = 1024 ** 3;

export function machineJson(m: SimMachine): Record<string, unknown> {
  const acc = m.type.accelerator;
  return {
    id: m.id,
    name: m.name,
    state: m.state,
    machineType: m.machineType,
    agentType: 'LinuxHeadless',
    os: m.os,
    region: m.region,
    cpus: m.type.cpus,
    ram: m.type.ramGb * GB,
    storageTotal: m.diskSize * GB,
    storageUsed: 0,
    // USD per month for the disk [I]: the unit of storageRate is not documented.
    storageRate: m.diskSize * STORAGE_USD_PER_GB_MONTH,
    usageRate: m.usageRate,
    accelerators: acc ? [{ name: acc.name, count: acc.count, memory: acc.memoryGb }] : null,
    publicIp: m.publicIp,
    publicIpType: m.publicIpType,
    privateIp: m.state === 'off' ? null : '10.64.0.' + ((parseInt(m.id.slice(-2), 16) % 250) + 2),
    networkId: null,
    autoShutdownEnabled: m.autoShutdownEnabled,
    autoShutdownTimeout: m.autoShutdownTimeout,
    autoShutdownForce: m.autoShutdownForce,
    autoSnapshotEnabled: false,
    autoSnapshotFrequency: null,
    autoSnapshotSaveCount: null,
    restorePointEnabled: false,
    restorePointFrequency: null,
    restorePointSnapshotId: null,
    reservation: null,
    updatesPending: false,
    dtCreated: m.dtCreated,
    dtModified: m.dtModified,
    dtDeleted: m.dtDeleted,
  };
}

export function eventJson(e: SimEvent): Record<string, unknown> {
  const { seq: _seq, ...rest } = e;
  return rest;
}

export function scriptJson(s: SimScript): Record<string, unknown> {
  const { script: _script, ...rest } = s;
  return { ...rest, description: null };
}
