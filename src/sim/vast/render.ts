/**
 * A simulated instance as Vast shows it (show_instance(s).yaml, docs/reference/vast.md §4): `extra_env` as `[k, v]` pairs,
 * `ports` only while running with string HostPorts, `public_ipaddr` possibly with trailing whitespace.
 */
import type { SimMachineState } from '../common/types';
import type { BillingMeter } from '../common/billing';
import type { MachineProcess } from '../common/machine-host';
import type { CreateRequest } from './create-request';
import { requestedPorts } from './create-request';
import type { VastHost } from './inventory';
import { storageUsdPerHour } from './inventory';

export interface SimInstance {
  id: number;
  host: VastHost;
  req: CreateRequest;
  apiKey: string;
  label: string | null;
  actual: string | null;
  intended: 'running' | 'stopped';
  statusMsg: string | null;
  startDate: number;
  createdAt: string;
  terminatedAt?: string;
  destroyed: boolean;
  /** Holds one of the host's slots (its GPUs), which a stop gives back. */
  holdsSlot: boolean;
  /** Host port of the ComfyUI container port while running. */
  hostPort?: number;
  process?: MachineProcess;
  timer?: NodeJS.Timeout;
  /** Bumped by stop/destroy so an in-flight boot knows it is stale. */
  gen: number;
}

export function computeUsdPerHour(i: SimInstance): number {
  return i.req.price ?? i.host.dph_base;
}

export function renderInstance(i: SimInstance, opts: { publicIp: string; comfyPort: number }): Record<string, unknown> {
  const storageHour = storageUsdPerHour(i.host, i.req.diskGb);
  const running = i.actual === 'running' && i.hostPort !== undefined;
  const out: Record<string, unknown> = {
    id: i.id,
    machine_id: i.host.machine_id,
    host_id: i.host.host_id,
    actual_status: i.actual,
    intended_status: i.intended,
    cur_state: i.intended,
    next_state: i.intended,
    label: i.label,
    image_uuid: i.req.image,
    image_runtype: i.req.runtype,
    image_args: i.req.args ?? [],
    extra_env: Object.entries(i.req.env),
    onstart: i.req.onstart,
    jupyter_token: `jt${i.id}`,
    status_msg: i.statusMsg,
    public_ipaddr: opts.publicIp,
    local_ipaddrs: '10.2.0.2 172.17.0.1 \n',
    ssh_host: '127.0.0.1',
    ssh_port: 20000 + (i.id % 1000),
    start_date: i.startDate,
    gpu_name: i.host.gpu_name,
    num_gpus: i.host.num_gpus,
    gpu_ram: i.host.gpu_ram,
    gpu_totalram: i.host.gpu_ram * i.host.num_gpus,
    disk_space: i.req.diskGb,
    geolocation: i.host.geolocation,
    is_bid: i.req.price !== undefined,
    min_bid: i.host.min_bid,
    dph_base: computeUsdPerHour(i),
    dph_total: computeUsdPerHour(i) + storageHour,
    storage_cost: i.host.storage_cost,
    storage_total_cost: storageHour,
    inet_down: i.host.inet_down,
    inet_up: i.host.inet_up,
    verification: i.host.verified ? 'verified' : 'unverified',
  };
  if (running) {
    const ports: Record<string, { HostIp: string; HostPort: string }[]> = {};
    for (const p of requestedPorts(i.req.env)) {
      // Only ComfyUI's port leads somewhere in the simulator; the others get distinct, closed host ports.
      const hostPort = p === opts.comfyPort ? i.hostPort! : 40000 + ((i.id * 7 + p) % 20000);
      ports[`${p}/tcp`] = [{ HostIp: '0.0.0.0', HostPort: String(hostPort) }];
    }
    out.ports = ports;
  }
  return out;
}

export function machineState(i: SimInstance, meter: BillingMeter): SimMachineState {
  const reading = meter.read(String(i.id));
  const computing = i.actual === 'running' && !i.destroyed;
  const storing = meter.isBilling(String(i.id));
  return {
    id: String(i.id),
    name: i.label ?? '',
    status: i.destroyed ? 'destroyed' : (i.actual ?? 'provisioning'),
    running: computing,
    billing: storing,
    billedSeconds: reading.billedSeconds,
    costUsd: reading.costUsd,
    usdPerHour: (computing ? computeUsdPerHour(i) : 0) + (storing ? storageUsdPerHour(i.host, i.req.diskGb) : 0),
    gpu: i.host.gpu_name,
    createdAt: i.createdAt,
    terminatedAt: i.terminatedAt,
    comfyUrl: i.process?.comfyUrl,
  };
}
