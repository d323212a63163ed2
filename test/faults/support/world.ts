/**
 * The simulated world the fault cases run against (four provider APIs, a ComfyUI per machine, the real python
 * agent), the environment that points a `gpuburst` child process at it with short timings, and small levers:
 * provider API faults, ComfyUI faults, the session's machines as the providers see them.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import type { CloudProviderName } from '../../../providers/types';
import type { FaultRule } from '../../../src/sim/common/faults';
import type { ProviderSim, SimMachineState } from '../../../src/sim/common/types';
import { startWorld, World } from '../../../src/sim/world';
import { writeSd15Batch } from '../../session/support/batch';

/** Boot slow enough that a kill can land in each phase, fast enough for a matrix of a hundred cases. */
export const WORLD_TIMINGS = { provisionMs: 200, bootMs: 800, comfyStartMs: 200, stopMs: 150 };
/** Session timings for the child (GPUBURST_SESSION_TIMINGS) and for in-process sessions. */
export const SESSION_TIMINGS = { readyTimeoutSeconds: 30, modelsTimeoutSeconds: 30, pollSeconds: 0.1, heartbeatMs: 300, agentPollSeconds: 0.3, confirmSeconds: 15 };
/** `--heartbeat-minutes`: the agent ends its machine after 3 s without the client. */
export const HEARTBEAT_MINUTES = 0.05;
/** From the last heartbeat to a terminated machine: the window, the agent's poll, the provider's stop, a margin. */
export const WATCHDOG_BOUND_MS = HEARTBEAT_MINUTES * 60_000 + 2 * SESSION_TIMINGS.agentPollSeconds * 1000 + WORLD_TIMINGS.stopMs + 4000;

/** Create requests per provider (test/providers/harness has the same), for create-path faults. */
export const CREATE_PATH: Record<CloudProviderName, { method: string; path: string }> = {
  runpod: { method: 'POST', path: '^/v2/pods$' },
  vast: { method: 'PUT', path: '^/api/v0/asks/\\d+/$' },
  lambda: { method: 'POST', path: '^/api/v1/instance-operations/launch$' },
  paperspace: { method: 'POST', path: '^/v1/machines$' },
};

export async function faultWorld(providers?: readonly CloudProviderName[]): Promise<World> {
  // msPerStep 20 × 20 steps: a prompt renders in ~0.4 s, so a kill can land mid-render.
  return startWorld({ providers, timings: WORLD_TIMINGS, comfy: { msPerStep: 20 } });
}

/** Environment of a child `gpuburst` pointed at the world: its keys and URLs, short timings, quick lookups. */
export function cliEnv(world: World, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: os.tmpdir(), GPUBURST_STATE_DIR: process.env.GPUBURST_STATE_DIR, NODE_OPTIONS: '', ...world.env };
  Object.assign(env, {
    GPUBURST_SESSION_TIMINGS: JSON.stringify(SESSION_TIMINGS),
    GPUBURST_RUNPOD_CREATE_SETTLE_MS: '100',
    GPUBURST_VAST_CREATE_SETTLE_MS: '100',
    GPUBURST_LAMBDA_CREATE_SETTLE_MS: '100',
    GPUBURST_PAPERSPACE_CREATE_SETTLE_MS: '100',
    GPUBURST_LAMBDA_RETRY_BASE_DELAY_MS: '50',
    ...extra,
  });
  return env;
}

export type SessionMachine = SimMachineState & { provider: CloudProviderName };

/** Every machine any simulator holds for this session (terminated ones included: they stay in the state). */
export function sessionMachines(world: World, sessionId: string): SessionMachine[] {
  return world.sims.flatMap((s) => s.state().machines.filter((m) => m.name.startsWith(`gpuburst-${sessionId}-`)).map((m) => ({ ...m, provider: s.provider })));
}

export function simOf(world: World, provider: CloudProviderName): ProviderSim {
  const sim = world.sims.find((s) => s.provider === provider);
  if (!sim) throw new Error(`no ${provider} simulator in this world`);
  return sim;
}

async function post(url: string, body: unknown): Promise<unknown> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return res.json();
}

export async function providerFaults(sim: ProviderSim, rules: FaultRule[]): Promise<void> {
  await post(`${sim.url}/_sim/faults`, { rules });
}

export async function clearProviderFaults(world: World): Promise<void> {
  await Promise.all(world.sims.map((s) => fetch(`${s.url}/_sim/faults`, { method: 'DELETE' })));
}

/** Rules still waiting to fire on a provider simulator. */
export async function pendingProviderFaults(sim: ProviderSim): Promise<FaultRule[]> {
  return ((await (await fetch(`${sim.url}/_sim/faults`)).json()) as { faults: FaultRule[] }).faults;
}

/** The admin surface of a machine's ComfyUI simulator (crash, faults, websocket drops). */
export async function comfyAdmin(comfyUrl: string, route: string, body: unknown = {}): Promise<{ faults?: FaultRule[] }> {
  return (await post(`${comfyUrl}/_sim/${route}`, body)) as { faults?: FaultRule[] };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `fn` returns a value, or fails after `ms`. */
export async function until<T>(fn: () => T | undefined | Promise<T | undefined>, ms: number, what: string, everyMs = 50): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** A batch of `repeat` SD1.5 prompts with one model to place, in a fresh folder. */
export function batchDir(tag: string, repeat: number): { dir: string; batch: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `gpuburst-faults-${tag}-`));
  return { dir, batch: writeSd15Batch(dir, repeat) };
}
