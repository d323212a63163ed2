/**
 * A whole simulated world in this process: the four provider API simulators, a ComfyUI simulator on every booted
 * machine, the machine agent as a real python3 process, and a stand-in internet for model downloads. Used by
 * `gpuburst run --simulate`, `gpuburst sim` and the end-to-end tests; it returns the environment that points
 * gpuburst at it (base URLs, test keys, and GPUBURST_SIMULATED=1).
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { CLOUD_PROVIDERS, CloudProviderName } from '../../providers/types';
import { UnsupportedError } from '../../providers/errors';
import { Cdn, CdnOptions, startCdn } from './cdn';
import { agentLauncher, findPython } from './common/agent-launcher';
import { createMachineHost, MachineHost } from './common/machine-host';
import type { ProviderSim, SimTimings } from './common/types';
import { comfySimFactory, ComfySimOptions } from './comfyui';

export interface WorldOptions {
  providers?: readonly CloudProviderName[];
  timings?: Partial<SimTimings>;
  /** ComfyUI render speed and output size on every machine. */
  comfy?: Omit<ComfySimOptions, 'host' | 'port' | 'token' | 'machineId'>;
  latencyMs?: number;
  /** Agent logs and other files; a temporary folder by default. */
  workDir?: string;
  /** Fixed ports for `gpuburst sim` (0 = any free port). */
  ports?: Partial<Record<CloudProviderName, number>>;
  /** The stand-in internet the agent downloads models from (size, a slow link). */
  cdn?: CdnOptions;
  /** Keep the machines' disks (`<workDir>/machines/<id>`) after `close`, for inspection. */
  keepMachineDisks?: boolean;
  /** The Python 3 that runs each machine's agent (GPUBURST_PYTHON); found on PATH by default. */
  python?: string;
}

export interface World {
  sims: ProviderSim[];
  env: Record<string, string>;
  workDir: string;
  cdn: Cdn;
  /**
   * A machine's disk: ComfyUI's input/, output/, models/. It survives a stop and start (RunPod excepted: a
   * restarted pod gets a fresh container disk) and stays readable after the machine ends, until `close`.
   */
  machineDisk(machineId: string): string;
  close(): Promise<void>;
}

export async function startWorld(o: WorldOptions = {}): Promise<World> {
  // Without Python every simulated machine would boot without its watchdog and wait for models forever.
  const python = findPython(o.python);
  if (!python) {
    const tried = o.python ? `GPUBURST_PYTHON=${o.python} does not run` : 'none of python3, python is on PATH';
    throw new UnsupportedError(`simulated machines run their watchdog agent with Python 3.8 or newer, and ${tried}; install Python 3 or set GPUBURST_PYTHON to its path`);
  }
  const workDir = o.workDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-world-'));
  /** Removed when left empty (on a failed start, at close): only a folder the world made itself. */
  const ownDir = o.workDir ? undefined : workDir;
  fs.mkdirSync(workDir, { recursive: true });
  const cdn = await startCdn(o.cdn);
  const disks = path.join(workDir, 'machines');
  const machineDisk = (id: string) => path.join(disks, id.replace(/[^\w.-]/g, '_'));
  const host = withDisks(
    createMachineHost({
      comfy: (c) => comfySimFactory({ msPerStep: 10, ...o.comfy, rootDir: machineDisk(c.machineId) })(c),
      watchdog: agentLauncher({ downloadProxy: cdn.url, digestOf: (url) => cdn.sha256Of(url), logDir: workDir, python }),
    }),
    machineDisk,
  );
  const sims: ProviderSim[] = [];
  // Marks a run against this world as simulated (src/session/request-sources.ts): nothing billed, nothing calibrated;
  // and the stand-in internet for the client too: it asks the models' sizes (HEAD) to size the machines' disks.
  const env: Record<string, string> = { GPUBURST_SIMULATED: '1', GPUBURST_DOWNLOAD_PROXY: cdn.url };
  try {
    for (const p of o.providers ?? CLOUD_PROVIDERS) {
      const sim = await startProviderSim(p, { host, timings: o.timings, latencyMs: o.latencyMs, port: o.ports?.[p] });
      sims.push(sim);
      Object.assign(env, sim.env);
    }
  } catch (err) {
    for (const s of sims) await s.close();
    await cdn.close();
    removeIfEmpty(ownDir);
    throw err;
  }
  return {
    sims,
    env,
    workDir,
    cdn,
    machineDisk,
    async close() {
      for (const s of sims) await s.close();
      await cdn.close();
      if (!o.keepMachineDisks) {
        fs.rmSync(disks, { recursive: true, force: true });
        removeIfEmpty(ownDir); // agent logs stay for the user (the CLI names the folder)
      }
    },
  };
}

/**
 * Machines keep their disk across a stop and start, as on Vast and Paperspace. A RunPod pod keeps only its volume
 * ("Container disk data is cleared", docs/reference/runpod.md §6) and gpuburst's pods have none, so a restarted pod starts empty.
 */
function withDisks(inner: MachineHost, machineDisk: (id: string) => string): MachineHost {
  const booted = new Set<string>();
  return {
    boot(b) {
      const key = `${b.provider}:${b.machineId}`;
      if (b.provider === 'runpod' && booted.has(key)) fs.rmSync(machineDisk(b.machineId), { recursive: true, force: true });
      booted.add(key);
      return inner.boot(b);
    },
  };
}

type StartOpts = Parameters<typeof import('./runpod').start>[0];

/** Each simulator with settings that suit a session driven at simulator speed (documented limits still hold). */
async function startProviderSim(p: CloudProviderName, opts: StartOpts): Promise<ProviderSim> {
  switch (p) {
    case 'runpod':
      // The documented example quota is 60/min; a session polling a fast simulator needs more.
      return (await import('./runpod')).start({ ...opts, rateLimitPerMinute: 6000 });
    case 'vast':
      return (await import('./vast')).start({ ...opts, rateLimits: false });
    case 'lambda':
      return (await import('./lambda')).start({ ...opts, rateLimits: { minIntervalMs: 20, launchIntervalMs: 100 } });
    case 'paperspace':
      return (await import('./paperspace')).start(opts);
  }
}

function removeIfEmpty(dir: string | undefined): void {
  if (!dir) return;
  try {
    fs.rmdirSync(dir); // fails on a folder with anything in it, which is what we want
  } catch {
    // not empty, or already gone
  }
}
