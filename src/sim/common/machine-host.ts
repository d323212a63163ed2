/**
 * What runs "on" a simulated machine once the provider has booted it: a ComfyUI server on loopback (standing in
 * for the real endpoint) and, when the machine was created with one, the gpuburst watchdog as a real local process
 * with the environment the provider would inject. Provider simulators call `boot` when a machine starts running
 * and `stop` when it stops or is terminated.
 */
import crypto from 'crypto';
import type { CloudProviderName } from '../../../providers/types';
import { startComfySimMachine } from '../comfyui';

export interface MachineBoot {
  provider: CloudProviderName;
  machineId: string;
  name: string;
  /** Environment the machine's processes see: the spec's env plus what the provider injects itself. */
  env: Record<string, string>;
  /** The provider's start-up payload as sent (Vast onstart, Lambda user_data, Paperspace startup script). */
  bootScript?: string;
  /** Loopback address and port ComfyUI should listen on (0 = any free port). */
  host?: string;
  port?: number;
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

/** Env names the auth proxies of ComfyUI images read their token from: ai-dock (WEB_TOKEN), vastai/comfyui. */
export const IMAGE_TOKEN_VARS = ['WEB_TOKEN', 'OPEN_BUTTON_TOKEN'] as const;

export function createMachineHost(opts: { comfy?: ComfyFactory; watchdog?: WatchdogLauncher } = {}): MachineHost {
  const comfy = opts.comfy ?? startComfySimMachine;
  return {
    async boot(b) {
      // Like the real images: with no token configured, the proxy invents a random one, so nobody gets in unasked.
      const token = IMAGE_TOKEN_VARS.map((k) => b.env[k]).find(Boolean) ?? crypto.randomBytes(16).toString('hex');
      const running = await comfy({ host: b.host ?? '127.0.0.1', port: b.port ?? 0, token, machineId: b.machineId });
      let watchdog: { stop(): Promise<void> } | undefined;
      try {
        watchdog = await opts.watchdog?.({ ...b, comfyUrl: running.url, token, dirs: running.dirs });
      } catch (err) {
        await running.close();
        throw err;
      }
      return {
        comfyUrl: running.url,
        token,
        async stop() {
          await watchdog?.stop();
          await running.close();
        },
      };
    },
  };
}
