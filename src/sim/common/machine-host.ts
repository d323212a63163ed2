/**
 * What runs "on" a simulated machine once the provider has booted it: a ComfyUI server on loopback (standing in
 * for the real endpoint) and, when the machine was created with one, the gpuburst watchdog as a real local process
 * with the environment the provider would inject. Provider simulators call `boot` when a machine starts running
 * and `stop` when it stops or is terminated.
 */
import crypto from 'crypto';
import { startComfySimMachine } from '../comfyui';
import { imageBehaviour, startStatusStandIn } from './images';
import type { ComfyFactory, MachineHost, MachineProcess, WatchdogLauncher } from './machine-types';

export type { ComfyFactory, ComfyStartOptions, MachineBoot, MachineHost, MachineProcess, RunningComfy, WatchdogLauncher } from './machine-types';

/** Env names the auth proxies of ComfyUI images read their token from: ai-dock (WEB_TOKEN), vastai/comfyui. */
const IMAGE_TOKEN_VARS = ['WEB_TOKEN', 'OPEN_BUTTON_TOKEN'] as const;

/** ai-dock's workspace sync before ComfyUI starts, shortened to simulator speed ("a few seconds"). */
const AI_DOCK_SYNC_MS = 300;

export function createMachineHost(opts: { comfy?: ComfyFactory; watchdog?: WatchdogLauncher; aiDockSyncMs?: number } = {}): MachineHost {
  const comfy = opts.comfy ?? startComfySimMachine;
  return {
    async boot(b) {
      // Like the real images: with no token configured, the proxy invents a random one, so nobody gets in unasked.
      const token = IMAGE_TOKEN_VARS.map((k) => b.env[k]).find(Boolean) ?? crypto.randomBytes(16).toString('hex');
      const image = imageBehaviour(b, { aiDockSyncMs: opts.aiDockSyncMs ?? AI_DOCK_SYNC_MS });
      if (!image.serves) return notServing(b.host ?? '127.0.0.1', b.port ?? 0, token, image.failedPhase);
      const running = await comfy({ host: b.host ?? '127.0.0.1', port: b.port ?? 0, token, machineId: b.machineId, authFailure: image.authFailure, syncMs: image.syncMs });
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

/**
 * A machine whose image never starts ComfyUI: nothing listens on its port, or, on a VM whose first-boot script
 * reports its phase, the script's status server answers with the failed phase.
 */
async function notServing(host: string, port: number, token: string, failedPhase: string | undefined): Promise<MachineProcess> {
  if (!failedPhase) return { comfyUrl: `http://${host}:${port || 9}`, token, stop: async () => undefined };
  const status = await startStatusStandIn(host, port, failedPhase);
  return { comfyUrl: status.url, token, stop: () => status.close() };
}
