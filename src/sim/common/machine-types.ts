/**
 * The shapes of what runs on a simulated machine (./machine-host.ts), apart from the host itself so the ComfyUI
 * simulator can name them without importing the host that starts it.
 */
import type { CloudProviderName } from '../../../providers/types';

export interface MachineBoot {
  provider: CloudProviderName;
  machineId: string;
  name: string;
  /** Environment the machine's processes see: the spec's env plus what the provider injects itself. */
  env: Record<string, string>;
  /** The container image (a VM's: the one its first-boot script runs); decides what the machine does (./images.ts). */
  image?: string;
  /** The provider's start-up payload as sent (Vast onstart, Lambda user_data, Paperspace startup script). */
  bootScript?: string;
  /** Loopback address and port ComfyUI should listen on (0 = any free port). */
  host?: string;
  port?: number;
  /** Persistent volumes the machine mounts: the path it sees → the simulator's folder behind it (./volumes.ts). */
  mounts?: { path: string; dir: string }[];
}

export interface RunningComfy {
  url: string;
  /** Where the server writes its outputs, when it is a local simulator (tests compare pulled files with it). */
  outputDir?: string;
  /** Its input and model folders, when it is a local simulator (the machine agent works in them). */
  dirs?: { input: string; models: string };
  close(): Promise<void>;
}

export interface ComfyStartOptions {
  host: string;
  port: number;
  /** Token the image's auth proxy requires (Bearer or ?token=). */
  token: string;
  machineId: string;
  /** What the image's proxy answers without the token (ai-dock: redirect to a login page; Vast's Caddy: 401). */
  authFailure?: 'redirect' | '401';
  /** ai-dock: a log viewer answers on ComfyUI's port this long before ComfyUI does. */
  syncMs?: number;
}

export type ComfyFactory = (opts: ComfyStartOptions) => Promise<RunningComfy>;
export type WatchdogLauncher = (boot: MachineBoot & { comfyUrl: string; token: string; dirs?: { input: string; models: string } }) => Promise<{ stop(): Promise<void> } | undefined>;

export interface MachineProcess {
  comfyUrl: string;
  token: string;
  stop(): Promise<void>;
}

export interface MachineHost {
  boot(b: MachineBoot): Promise<MachineProcess>;
}
