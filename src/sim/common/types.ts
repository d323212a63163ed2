/** What every provider simulator exposes, so tests, `gpuburst sim` and the fault matrix treat them alike. */
import type { CloudProviderName } from '../../../providers/types';
import type { MachineHost } from './machine-host';
import type { SimServer } from './server';
import type { SimVolumeState } from './volumes';

export interface SimMachineState {
  id: string;
  name: string;
  /** The provider's own status word. */
  status: string;
  /** Compute is billing now. */
  running: boolean;
  /** Anything (compute or storage) is billing now. */
  billing: boolean;
  /** Compute seconds billed so far, after the provider's rounding. */
  billedSeconds: number;
  costUsd: number;
  usdPerHour: number;
  gpu: string;
  createdAt: string;
  terminatedAt?: string;
  /** Loopback ComfyUI URL standing in for the real endpoint, while the machine runs. */
  comfyUrl?: string;
}

export interface SimState {
  provider: CloudProviderName;
  machines: SimMachineState[];
  /** Model caches (RunPod network volumes, Lambda filesystems), deleted ones too, with what they billed. */
  volumes?: SimVolumeState[];
}

/** Phase durations of the simulated lifecycle, in milliseconds. */
export interface SimTimings {
  /** Allocation / provisioning before the machine boots. */
  provisionMs: number;
  /** Image pull / OS boot until the provider reports running. */
  bootMs: number;
  /** From running until ComfyUI answers. */
  comfyStartMs: number;
  /** Stop and terminate transitions. */
  stopMs: number;
}

export interface SimOptions {
  port?: number;
  /** Added to every API request. */
  latencyMs?: number;
  timings?: Partial<SimTimings>;
  /** API keys the simulator accepts; default one generated key, returned in `env`. */
  keys?: string[];
  /** What runs on a machine once booted (ComfyUI + watchdog). */
  host?: MachineHost;
}

export interface ProviderSim {
  provider: CloudProviderName;
  url: string;
  /** Environment lines that point gpuburst at this simulator (base URL, key, extras). */
  env: Record<string, string>;
  server: SimServer;
  state(): SimState;
  close(): Promise<void>;
}

export const DEFAULT_TIMINGS: SimTimings = { provisionMs: 300, bootMs: 700, comfyStartMs: 300, stopMs: 300 };
