/**
 * Builds what a machine needs to run the gpuburst agent (models + dead-man's switch): environment variables that
 * carry the agent's source and configuration in chunks, and the one-line boot script that starts it. The same
 * environment and the same decoder start the agent on a real machine and in the simulators.
 */
import fs from 'fs';
import path from 'path';
import zlib from 'zlib';
import type { KillSwitch } from '../../../providers/types';

/** Vast limits one env entry to 256 characters; stay below it everywhere. */
const CHUNK_CHARS = 200;

export interface AgentModel {
  name: string;
  /** ComfyUI model folder: checkpoints, loras, vae, … */
  folder: string;
  url: string;
  sha256?: string;
}

export interface AgentSettings {
  /** Terminate when the client has been silent this long. */
  heartbeatMinutes: number;
  /** Terminate when ComfyUI has been idle this long after the client said the batch is done. */
  idleMinutes: number;
  maxLifetimeMinutes: number;
  usdPerHour: number;
  budgetUsd?: number;
  /** Billing that happened before the agent could start (provisioning, image pull), counted against the budget. */
  billedBeforeStartSeconds: number;
  pollSeconds: number;
  models: AgentModel[];
}

/** Reassembles the agent from its chunks and runs it. Python because every ComfyUI machine has it. */
export const AGENT_DECODER =
  "import os,base64,zlib;e=os.environ;exec(zlib.decompress(base64.b64decode(''.join(e['GPUBURST_AGENT_%d'%i] for i in range(int(e['GPUBURST_AGENT_N']))))))";

/** The machine's boot script: start the agent in the background, logging next to the machine's other logs. */
export const AGENT_BOOT_SCRIPT = `nohup python3 -c "${AGENT_DECODER}" >>/tmp/gpuburst-agent.log 2>&1 &`;

let source: string | undefined;
function agentSource(): string {
  source ??= fs.readFileSync(path.join(__dirname, 'agent.py'), 'utf8');
  return source;
}

/** Environment for the machine: agent code, its configuration, the kill switch's own variables, the machine name. */
export function agentEnv(settings: AgentSettings, machineName: string, killSwitch?: KillSwitch): Record<string, string> {
  const code = zlib.deflateSync(Buffer.from(agentSource(), 'utf8'), { level: 9 }).toString('base64');
  const config = JSON.stringify({ ...settings, killSwitch: killSwitch ? { lookup: killSwitch.lookup, terminate: killSwitch.terminate } : undefined });
  return {
    ...chunked('GPUBURST_AGENT', code),
    ...chunked('GPUBURST_AGENT_CONFIG', config),
    ...(killSwitch?.env ?? {}),
    GPUBURST_MACHINE_NAME: machineName,
  };
}

export function chunked(name: string, value: string): Record<string, string> {
  const out: Record<string, string> = {};
  const n = Math.max(1, Math.ceil(value.length / CHUNK_CHARS));
  for (let i = 0; i < n; i++) out[`${name}_${i}`] = value.slice(i * CHUNK_CHARS, (i + 1) * CHUNK_CHARS);
  out[`${name}_N`] = String(n);
  return out;
}

/** True when an environment carries the agent (the simulators start it only then, like a real machine). */
export function hasAgent(env: Record<string, string>): boolean {
  return env.GPUBURST_AGENT_N !== undefined;
}
