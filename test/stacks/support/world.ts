/**
 * A simulated world for stack tests, and the environment the stack runs in. The program (estimate) sees this test
 * file's `process.env`; the dynamic providers run with Node's own `process`, as in Pulumi's provider host: both get
 * the simulators' API URLs (and, unless a test passes keys through stack config, their keys).
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { startWorld, World, WorldOptions } from '../../../src/sim/world';
import { nodeProcess } from '../engine/realm';
import { ensureBuilt } from './build';
import { writeSd15Batch } from '../../session/support/batch';

/** Session waits for a simulator that answers in milliseconds (as in test/session/session.test.ts). */
export const FAST_TIMINGS = { readyTimeoutSeconds: 30, modelsTimeoutSeconds: 30, pollSeconds: 0.1, heartbeatMs: 300, agentPollSeconds: 0.3, confirmSeconds: 10 };

async function startStackWorld(o: WorldOptions = {}): Promise<World> {
  return startWorld({ providers: ['vast'], timings: { provisionMs: 100, bootMs: 200, comfyStartMs: 100, stopMs: 100 }, comfy: { msPerStep: 2 }, ...o });
}

/**
 * One simulated world for a test file: started before its tests (after building dist/ when `build`), its variables set
 * in both processes' environments, closed with its folders at the end. Returns the world, for use inside tests.
 */
export function useStackWorld(o: WorldOptions = {}, opts: { build?: boolean } = {}): () => World {
  let world: World | undefined;
  let restore = () => undefined as void;
  beforeAll(async () => {
    if (opts.build) await ensureBuilt();
    world = await startStackWorld(o);
    restore = useEnv(world.env);
  }, 120_000);
  afterAll(async () => {
    restore();
    await closeWorld(world);
    removeFolders();
  });
  return () => {
    if (!world) throw new Error('the stack world is not started yet (use it inside a test)');
    return world;
  };
}

/** Closes the world and removes its folder (agent logs). */
export async function closeWorld(world: World | undefined): Promise<void> {
  if (!world) return;
  await world.close();
  fs.rmSync(world.workDir, { recursive: true, force: true });
}

/** Sets variables in both processes' environments; returns what puts them back. */
export function useEnv(vars: Record<string, string | undefined>): () => void {
  const saved = Object.keys(vars).map((k) => [k, process.env[k], nodeProcess.env[k]] as const);
  for (const [k, v] of Object.entries(vars)) {
    for (const env of [process.env, nodeProcess.env]) {
      if (v === undefined) delete env[k];
      else env[k] = v;
    }
  }
  return () => {
    for (const [k, mine, node] of saved) {
      if (mine === undefined) delete process.env[k];
      else process.env[k] = mine;
      if (node === undefined) delete nodeProcess.env[k];
      else nodeProcess.env[k] = node;
    }
  };
}

const folders: string[] = [];

/** A small SD 1.5 batch (the example workflow, `repeat` prompts) in a folder of its own (removeFolders ends it). */
export function smallBatch(repeat = 4): { dir: string; batchFile: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-stack-'));
  folders.push(dir);
  return { dir, batchFile: writeSd15Batch(dir, repeat) };
}

function removeFolders(): void {
  for (const dir of folders.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** Machines still billing in the simulators. */
export const billing = (world: World) => world.sims.flatMap((s) => s.state().machines.filter((m) => m.billing).map((m) => `${s.provider}:${m.id}`));
