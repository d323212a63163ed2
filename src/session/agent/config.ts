/**
 * Builds what a machine needs to run the gpuburst agent (models + dead-man's switch): environment variables that
 * carry the agent's source and configuration in chunks, and the one-line boot script that starts it. The same
 * environment and the same decoder start the agent on a real machine and in the simulators.
 */
import fs from 'fs';
import path from 'path';
import zlib from 'zlib';
import type { CloudProviderName, KillSwitch } from '../../../providers/types';
import type { NodePack } from '../../comfy/batch/nodes';

/** Vast limits one env entry to 256 characters (vast.md); stay below it there. */
const CHUNK_CHARS = 200;
/**
 * Characters per env chunk on each cloud. RunPod allows at most 50 env entries (runpod.md §8) and states no length
 * limit, so its chunks are long: with custom nodes the agent alone would take 40 entries of 200. The VMs carry the
 * env in their bootstrap script, where only the total size counts.
 */
export const CHUNK_CHARS_BY_PROVIDER: Record<CloudProviderName, number> = { vast: CHUNK_CHARS, runpod: 1000, lambda: 1000, paperspace: 1000 };

export interface AgentModel {
  name: string;
  /** ComfyUI model folder: checkpoints, loras, vae, … */
  folder: string;
  url: string;
  sha256?: string;
  /** Env var holding this model's token; without it HF_TOKEN / CIVITAI_TOKEN by host (downloads.py). */
  auth?: string;
  /** The URL carries no file name (Civitai): the file is saved under its Content-Disposition name. */
  nameFromServer?: boolean;
}

export interface AgentSettings {
  /** Terminate when the client has been silent this long. */
  heartbeatMinutes: number;
  /** Terminate when ComfyUI has been idle this long after the client said the batch is done. */
  idleMinutes: number;
  maxLifetimeMinutes: number;
  /** The furthest a heartbeat's `lifetimeLeftMinutes` may push the cap, from the agent's start. */
  lifetimeCeilingMinutes?: number;
  usdPerHour: number;
  budgetUsd?: number;
  /** Billing that happened before the agent could start (provisioning, image pull), counted against the budget. */
  billedBeforeStartSeconds: number;
  pollSeconds: number;
  models: AgentModel[];
  /** Custom node packs installed (then ComfyUI restarted) before the models; nodes.py ships only when there are some. */
  nodes?: NodePack[];
  /** Parallel Range requests per large file, the smallest range, and models downloaded at once. */
  connections?: number;
  segmentBytes?: number;
  parallelModels?: number;
  /**
   * Download tokens by env var name (HF_TOKEN, CIVITAI_TOKEN, a model's `auth:`): only what the user allowed
   * (`modelTokens: true`). They travel as their own env vars, never inside the agent's configuration.
   */
  tokens?: Record<string, string>;
}

/** Reassembles the agent from its chunks and runs it. Python because every ComfyUI machine has it. */
export const AGENT_DECODER =
  "import os,base64,zlib;e=os.environ;exec(zlib.decompress(base64.b64decode(''.join(e['GPUBURST_AGENT_%d'%i] for i in range(int(e['GPUBURST_AGENT_N']))))))";

/** The machine's boot script: start the agent in the background, logging next to the machine's other logs. */
export const AGENT_BOOT_SCRIPT = `nohup python3 -c "${AGENT_DECODER}" >>/tmp/gpuburst-agent.log 2>&1 &`;

const sources = new Map<boolean, string>();
/**
 * One program: the node installer (only for a batch with `nodes:`) and the downloader first (they only define
 * functions), then the agent, whose main() runs them. Comment and blank lines are dropped: the code travels in env
 * entries and RunPod accepts at most 50 of them.
 */
function agentSource(withNodes = false): string {
  let source = sources.get(withNodes);
  if (source === undefined) {
    source = [...(withNodes ? ['nodes.py'] : []), 'downloads.py', 'agent.py']
      .map((f) => fs.readFileSync(path.join(__dirname, f), 'utf8'))
      .join('\n')
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'))
      .join('\n');
    sources.set(withNodes, source);
  }
  return source;
}

/** Environment for the machine: agent code, its configuration, the kill switch's own variables, the machine name. */
export function agentEnv(settings: AgentSettings, machineName: string, killSwitch?: KillSwitch, chunkChars = CHUNK_CHARS): Record<string, string> {
  const code = zlib.deflateSync(Buffer.from(agentSource(Boolean(settings.nodes?.length)), 'utf8'), { level: 9 }).toString('base64');
  const { tokens, ...rest } = settings;
  const config = JSON.stringify({ ...rest, killSwitch: killSwitch ? { lookup: killSwitch.lookup, terminate: killSwitch.terminate } : undefined });
  return {
    ...chunked('GPUBURST_AGENT', code, chunkChars),
    ...chunked('GPUBURST_AGENT_CONFIG', config, chunkChars),
    ...(killSwitch?.env ?? {}),
    ...(tokens ?? {}),
    GPUBURST_MACHINE_NAME: machineName,
  };
}

export function chunked(name: string, value: string, chunkChars = CHUNK_CHARS): Record<string, string> {
  const out: Record<string, string> = {};
  const n = Math.max(1, Math.ceil(value.length / chunkChars));
  for (let i = 0; i < n; i++) out[`${name}_${i}`] = value.slice(i * chunkChars, (i + 1) * chunkChars);
  out[`${name}_N`] = String(n);
  return out;
}

/** True when an environment carries the agent (the simulators start it only then, like a real machine). */
export function hasAgent(env: Record<string, string>): boolean {
  return env.GPUBURST_AGENT_N !== undefined;
}
