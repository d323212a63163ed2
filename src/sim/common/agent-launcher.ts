/**
 * Simulators' stand-in for a machine starting the agent: the same decoder, run as a real local python3 process
 * with the environment the provider would give the machine, pointed at the simulated ComfyUI and its folders and at
 * the stand-in internet (../cdn.ts). The one change to what the machine was given: a model's stated sha256 becomes
 * the digest of the stand-in file for its URL, the file this machine can download (the real one is not offline).
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import fs from 'fs';
import path from 'path';
import { AGENT_DECODER, chunked, hasAgent } from '../../session/agent/config';
import type { WatchdogLauncher } from './machine-host';

export interface AgentLauncherOptions {
  /** ComfyUI's folders for a machine whose host does not report them (tests); the agent's io dir is <input>/gpuburst. */
  dirsFor?: (machineId: string) => { input: string; models: string } | undefined;
  /** Stand-in for the internet when the agent downloads models. */
  downloadProxy?: string;
  /** The stand-in internet's sha256 of the file it serves for a URL; stated digests are mapped onto it. */
  digestOf?: (url: string) => string;
  /** Where the agent's stderr goes (one file per machine). */
  logDir?: string;
  /** The Python 3 to run the agent with. @default findPython() */
  python?: string;
}

const found = new Map<string, string | undefined>();

/**
 * A local Python 3 (3.8 or newer) for simulated machines: `override` (GPUBURST_PYTHON) if given, else `python3`, else
 * `python` (what Windows installs). Undefined when there is none. Answers the interpreter's own path: a version
 * manager's shim on PATH (pyenv's runs several shell scripts, ~0.25 s a start) is then paid once, not by every agent.
 */
export function findPython(override?: string): string | undefined {
  const key = override ?? '';
  if (!found.has(key)) {
    const candidates = override ? [override] : ['python3', 'python'];
    const probe = 'import sys\nif sys.version_info < (3, 8): sys.exit(3)\nprint(sys.executable)';
    const resolve = (cmd: string) => {
      const run = spawnSync(cmd, ['-c', probe], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 });
      if (run.status !== 0) return undefined;
      const exe = run.stdout.trim();
      return exe && path.isAbsolute(exe) ? exe : cmd;
    };
    let exe: string | undefined;
    for (const cmd of candidates) if ((exe = resolve(cmd))) break;
    found.set(key, exe);
  }
  return found.get(key);
}

export function agentLauncher(opts: AgentLauncherOptions): WatchdogLauncher {
  return async (boot) => {
    if (!hasAgent(boot.env)) return undefined;
    const dirs = boot.dirs ?? opts.dirsFor?.(boot.machineId);
    if (!dirs) return undefined;
    const env: Record<string, string> = {
      ...boot.env,
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      GPUBURST_COMFY_URL: boot.comfyUrl,
      GPUBURST_IO_DIR: path.join(dirs.input, 'gpuburst'),
      GPUBURST_MODELS_DIR: dirs.models,
      ...(opts.downloadProxy ? { GPUBURST_DOWNLOAD_PROXY: opts.downloadProxy } : {}),
      ...(opts.digestOf ? standInDigests(boot.env, opts.digestOf) : {}),
    };
    // The model cache lives on a mounted volume: the agent works in the simulator's folder behind that mount.
    const cacheDir = onMount(boot.env.GPUBURST_CACHE_DIR, boot.mounts ?? []);
    if (cacheDir) env.GPUBURST_CACHE_DIR = cacheDir;
    else delete env.GPUBURST_CACHE_DIR;
    const log = opts.logDir ? fs.openSync(path.join(opts.logDir, `agent-${boot.provider}-${boot.machineId}.log`), 'a') : 'ignore';
    const child: ChildProcess = spawn(opts.python ?? findPython() ?? 'python3', ['-c', AGENT_DECODER], { env, stdio: ['ignore', 'ignore', log] });
    if (typeof log === 'number') fs.closeSync(log);
    child.on('error', () => undefined); // python3 missing: the machine simply has no agent, as a broken image would
    return {
      async stop() {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 2000)))]);
        clearTimeout(timer);
      },
    };
  };
}

/** The host folder behind `dir` when a mount holds it; undefined when nothing is mounted there. */
function onMount(dir: string | undefined, mounts: { path: string; dir: string }[]): string | undefined {
  if (!dir) return undefined;
  const m = mounts.find((x) => dir === x.path || dir.startsWith(`${x.path.replace(/\/+$/, '')}/`));
  return m ? path.join(m.dir, dir.slice(m.path.length)) : undefined;
}

/** The agent's config with every stated model sha256 replaced by the stand-in file's, re-chunked as the spec does. */
function standInDigests(env: Record<string, string>, digestOf: (url: string) => string): Record<string, string> {
  const n = Number(env.GPUBURST_AGENT_CONFIG_N ?? 0);
  if (!n) return {};
  const config = JSON.parse(Array.from({ length: n }, (_, i) => env[`GPUBURST_AGENT_CONFIG_${i}`]).join('')) as { models?: { url: string; sha256?: string }[] };
  for (const m of config.models ?? []) if (m.sha256) m.sha256 = digestOf(m.url);
  return chunked('GPUBURST_AGENT_CONFIG', JSON.stringify(config));
}
