/**
 * Hostile state cases run the BUILT CLI (dist/) as its own process against a simulated world in the test process,
 * with a temp HOME and GPUBURST_STATE_DIR (the lead folds this into test/hostile/support). Every run is killed after
 * `limitSeconds`; a kill is a failure, so a hang cannot pass.
 */
import { spawn } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import type { Journal } from '../../src/session/journal';
import { MachineLifecycle } from '../../src/session/lifecycle';
import { makePlan } from '../../src/session/plan';
import { ProviderPool } from '../../src/session/pool';
import { parseSessionRequest } from '../../src/session/request';
import { openJournal } from '../../src/session/session';
import { registerSession } from '../../src/session/state-dir';
import { DEFAULT_TIMINGS } from '../../src/session/timings';
import type { World } from '../../src/sim/world';

const ROOT = path.join(__dirname, '..', '..');
/** GPUBURST_HOSTILE_CLI runs the cases against another build (e.g. main's, to see them fail there). */
const CLI = process.env.GPUBURST_HOSTILE_CLI ?? path.join(ROOT, 'dist', 'src', 'cli', 'index.js');
const EXAMPLES = path.join(ROOT, 'examples');

/** A pid that is not running (stale locks, dead owners). */
export const DEAD_PID = 2 ** 22 + 4321;

export interface Ran {
  status: number | null;
  out: string;
  err: string;
  killed: boolean;
}

/** A user's machine: a home and a state dir of its own. */
export function userHome(): { home: string; stateDir: string; env: Record<string, string> } {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-hostile-state-'));
  const stateDir = path.join(home, 'state');
  return { home, stateDir, env: { PATH: process.env.PATH ?? '', HOME: home, GPUBURST_STATE_DIR: stateDir, TMPDIR: os.tmpdir() } };
}

export type Running = Promise<Ran> & { pid: number | undefined };

export function gpuburst(args: string[], cwd: string, env: Record<string, string>, limitSeconds = 60): Running {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
  const done = new Promise<Ran>((resolve, reject) => {
    let out = '';
    let err = '';
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, limitSeconds * 1000);
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, out, err, killed });
    });
    child.stdin.end();
  });
  return Object.assign(done, { pid: child.pid });
}

/** The last line on stderr (a refusal), without the "gpuburst: " prefix. */
export function lastLine(r: Ran): string {
  return (r.err.trimEnd().split('\n').pop() ?? '').replace(/^gpuburst: /, '');
}

/** No stack frame, no internal error, never killed for taking too long. */
export function clean(r: Ran): boolean {
  const all = `${r.out}${r.err}`;
  return !r.killed && !/^\s+at .+:\d+:\d+\)?$/m.test(all) && !/internal error|please report/.test(all);
}

/** Machines the simulators ever created (terminated ones stay listed). */
export function created(world: World): number {
  return world.sims.reduce((n, s) => n + s.state().machines.length, 0);
}

export function simMachine(world: World, name: string) {
  return world.sims.flatMap((s) => s.state().machines).find((m) => m.name === name);
}

/** A folder with the SD 1.5 example workflow and a batch of `repeat` prompts. */
export function project(repeat = 2): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-hostile-project-'));
  fs.copyFileSync(path.join(EXAMPLES, 'sd15-txt2img.api.json'), path.join(dir, 'wf.json'));
  const model = 'models:\n  - url: https://huggingface.co/Comfy-Org/stable-diffusion-v1-5-archive/resolve/main/v1-5-pruned-emaonly-fp16.safetensors\n    folder: checkpoints\n';
  fs.writeFileSync(path.join(dir, 'batch.yaml'), `output: out\n${model}workflows:\n  - path: wf.json\n    name: w\n    repeat: ${repeat}\n`);
  return dir;
}

/**
 * A simulated session whose process died right after its machine became ready (journal says ready, owner dead,
 * no lock), journaled below `dir` and registered in the user state dir of `userEnv`, as `run` would.
 */
export async function crashedSession(world: World, dir: string, userEnv: Record<string, string>, request: Record<string, unknown> = {}): Promise<Journal> {
  const env = { ...world.env };
  const pool = new ProviderPool(env);
  const parsed = parseSessionRequest({ batchFile: path.join(dir, 'batch.yaml'), provider: 'vast', simulated: true, ...request });
  const plan = await makePlan(parsed, pool, env, dir);
  const stateDir = path.join(dir, '.gpuburst');
  const journal = openJournal(parsed, plan, stateDir);
  registerSession(userEnv, journal.data.id, journal.file);
  const timings = { ...DEFAULT_TIMINGS, readyTimeoutSeconds: 20, modelsTimeoutSeconds: 20, pollSeconds: 0.1, heartbeatMs: 500, agentPollSeconds: 1 };
  const m = await new MachineLifecycle({ journal, stateDir, pool, request: parsed, timings, plan }).provision(0, plan.ranked.map((r) => r.offer));
  await m.channel?.stop();
  journal.now((d) => Object.assign(d, { status: 'rendering', owner: { pid: DEAD_PID, host: d.owner.host } }));
  return journal;
}
