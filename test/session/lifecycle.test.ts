/**
 * One machine lifecycle for every path. A Paperspace machine made by `run`, by `resume` (a session whose client died
 * after planning) and by the Pulumi steps (provision, then render, which reconnects) carries the same agent settings
 * and the same provider timer (auto-shutdown from the lifetime cap), and its agent hears the same heartbeat: the
 * whole session's spend and budget, and "batch done" at the end.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import type { SessionEvent } from '../../src/session/events';
import { makePlan } from '../../src/session/plan';
import { ProviderPool } from '../../src/session/pool';
import { parseSessionRequest } from '../../src/session/request';
import { resumeSession } from '../../src/session/resume';
import { openJournal, runSession } from '../../src/session/session';
import { provisionStep, renderStep } from '../../src/session/steps';
import { MachineLifecycle } from '../../src/session/lifecycle';
import { sessionTimings } from '../../src/session/timings';
import { readBootstrapEnv } from '../../src/sim/common/bootstrap-env';
import { startWorld, World } from '../../src/sim/world';
import { writeSd15Batch } from './support/batch';

const FAST = { readyTimeoutSeconds: 30, modelsTimeoutSeconds: 30, pollSeconds: 0.1, heartbeatMs: 300, agentPollSeconds: 0.3, confirmSeconds: 10 };
const BUDGET_USD = 5;

let world: World;
const scripts: string[] = [];
beforeAll(async () => {
  world = await startWorld({ providers: ['paperspace'], timings: { provisionMs: 50, bootMs: 100, comfyStartMs: 50, stopMs: 50 }, comfy: { msPerStep: 2 } });
  // The startup scripts gpuburst sends (the API never shows a script's text back).
  (world.sims[0].server as unknown as { server: import('http').Server }).server.prependListener('request', (req) => {
    if (req.method !== 'POST' || !/\/startup-scripts$/.test(req.url ?? '')) return;
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => scripts.push((JSON.parse(body) as { script: string }).script));
  });
});
afterAll(() => world.close());

interface Seen {
  /** The agent's settings as the machine received them (its startup script's environment). */
  agent: Record<string, unknown>;
  /** Paperspace's own view of the machine while it ran. */
  machine: Record<string, unknown>;
  /** The last heartbeat the agent read from its machine's disk. */
  heartbeat: Record<string, unknown>;
}

function folder(tag: string): { dir: string; batchFile: string; stateDir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `gpuburst-lifecycle-${tag}-`));
  return { dir, batchFile: writeSd15Batch(dir, 2), stateDir: path.join(dir, '.gpuburst') };
}

/** Records what the machine of this path got: called with the session events, then with the machine id. */
function watcher() {
  let machine: Promise<Record<string, unknown>> | undefined;
  let id: string | undefined;
  const emit = (e: SessionEvent) => {
    if (e.type === 'machine' && e.state === 'ready' && e.id && !machine) {
      id = e.id;
      machine = fetch(`${world.env.GPUBURST_PAPERSPACE_API_URL}/machines/${e.id}`, { headers: { authorization: `Bearer ${world.env.PAPERSPACE_API_KEY}` } }).then((r) => r.json() as Promise<Record<string, unknown>>);
    }
  };
  const seen = async (scriptsBefore: number): Promise<Seen> => {
    const own = scripts.slice(scriptsBefore);
    expect(own).toHaveLength(1);
    const env = readBootstrapEnv(own[0])!;
    const config = Array.from({ length: Number(env.GPUBURST_AGENT_CONFIG_N) }, (_, i) => env[`GPUBURST_AGENT_CONFIG_${i}`]).join('');
    const heartbeat = JSON.parse(fs.readFileSync(path.join(world.machineDisk(id!), 'input', 'gpuburst', 'heartbeat.json'), 'utf8'));
    return { agent: JSON.parse(config), machine: await machine!, heartbeat };
  };
  return { emit, seen };
}

async function viaRun(): Promise<Seen> {
  const { dir, batchFile, stateDir } = folder('run');
  const w = watcher();
  const before = scripts.length;
  const report = await runSession({ batchFile, provider: 'paperspace', maxCostUsd: BUDGET_USD, stateDir, cwd: dir, env: { ...world.env }, confirm: async () => true, timings: FAST, emit: w.emit });
  expect(report.status).toBe('done');
  return w.seen(before);
}

async function viaResume(): Promise<Seen> {
  const { dir, batchFile, stateDir } = folder('resume');
  const env = { ...world.env };
  const request = parseSessionRequest({ batchFile, provider: 'paperspace', maxCostUsd: BUDGET_USD });
  // The client died right after journaling its plan: resume creates the machine.
  const journal = openJournal(request, await makePlan(request, new ProviderPool(env), env, dir), stateDir);
  const w = watcher();
  const before = scripts.length;
  const report = await resumeSession({ stateDir, cwd: dir, env, id: journal.data.id, emit: w.emit, timings: FAST });
  expect(report.status).toBe('done');
  return w.seen(before);
}

async function viaPulumiSteps(): Promise<Seen> {
  const { dir, batchFile } = folder('pulumi');
  const w = watcher();
  const before = scripts.length;
  const request = { batchFile, provider: 'paperspace', maxCostUsd: BUDGET_USD };
  const machine = await provisionStep({ request, cwd: dir, env: { ...world.env }, timings: FAST, emit: w.emit });
  const render = await renderStep({ sessionId: machine.sessionId, autoTeardown: true, cwd: dir, env: { ...world.env }, timings: FAST });
  expect(render).toMatchObject({ status: 'done', tornDown: true });
  return w.seen(before);
}

test('run, resume and the Pulumi steps give a machine the same agent settings, timer and heartbeat', async () => {
  const run = await viaRun();
  const resume = await viaResume();
  const pulumi = await viaPulumiSteps();

  expect(run.agent).toMatchObject({ heartbeatMinutes: 10, idleMinutes: 10, budgetUsd: BUDGET_USD, maxLifetimeMinutes: 60, lifetimeCeilingMinutes: 48 * 60, models: [expect.objectContaining({ folder: 'checkpoints' })], killSwitch: expect.any(Object) });
  expect(resume.agent).toEqual(run.agent);
  expect(pulumi.agent).toEqual(run.agent);

  // The agent's lifetime cap is also Paperspace's own auto-shutdown, on every path (commit 2f952ca fixed one).
  for (const s of [run, resume, pulumi]) expect(s.machine).toMatchObject({ autoShutdownEnabled: true, autoShutdownTimeout: 1 });

  // The last beat each agent read: the same fields, the session's budget, its spend, and the batch done.
  const shape = (h: Record<string, unknown>) => ({ keys: Object.keys(h).sort(), budgetUsd: h.budgetUsd, batchDone: h.batchDone, spent: typeof h.spentUsd });
  expect(shape(run.heartbeat)).toEqual({ keys: ['at', 'batchDone', 'budgetUsd', 'seq', 'spentUsd'], budgetUsd: BUDGET_USD, batchDone: true, spent: 'number' });
  expect(shape(resume.heartbeat)).toEqual(shape(run.heartbeat));
  expect(shape(pulumi.heartbeat)).toEqual(shape(run.heartbeat));
  expect(world.sims[0].state().machines.filter((m) => m.billing)).toEqual([]);
}, 120_000);

test('while prompts end, the beats ask for the lifetime the rest needs at the pace measured; the last one does not', async () => {
  const { dir, stateDir } = folder('pace');
  const batchFile = writeSd15Batch(dir, 60);
  let id: string | undefined;
  const asked: number[] = [];
  const watch = setInterval(() => {
    if (!id) return;
    try {
      const beat = JSON.parse(fs.readFileSync(path.join(world.machineDisk(id), 'input', 'gpuburst', 'heartbeat.json'), 'utf8'));
      if (beat.lifetimeLeftMinutes !== undefined) asked.push(beat.lifetimeLeftMinutes);
    } catch {
      // not written yet, or being replaced
    }
  }, 50);
  try {
    const emit = (e: SessionEvent) => void (e.type === 'machine' && e.id && (id ??= e.id));
    const report = await runSession({ batchFile, provider: 'paperspace', stateDir, cwd: dir, env: { ...world.env }, confirm: async () => true, timings: FAST, emit });
    expect(report.status).toBe('done');
  } finally {
    clearInterval(watch);
  }
  // A batch of seconds: the cap asked is the floor, 1 h from each beat.
  expect(asked.length).toBeGreaterThan(0);
  expect(new Set(asked)).toEqual(new Set([60]));
  const last = JSON.parse(fs.readFileSync(path.join(world.machineDisk(id!), 'input', 'gpuburst', 'heartbeat.json'), 'utf8'));
  expect(last).toMatchObject({ batchDone: true });
  expect(last.lifetimeLeftMinutes).toBeUndefined();
}, 120_000);

test('the lifetime asked is 3 × the rest at the measured pace, 1 h at least, 48 h at most; none once nothing ends', () => {
  const request = parseSessionRequest({ batchFile: path.join(os.tmpdir(), 'b.yaml'), provider: 'paperspace', maxCostUsd: BUDGET_USD });
  const lifecycle = new MachineLifecycle({ journal: {} as never, stateDir: '/nonexistent', pool: {} as never, request, timings: sessionTimings({ env: {}, simulated: true }) });
  const asked = (seconds: number | undefined) => (lifecycle.pace(seconds), lifecycle.heartbeat().lifetimeLeftMinutes);
  expect(asked(600)).toBe(60);
  expect(asked(2 * 3600)).toBe(360);
  expect(asked(100 * 3600)).toBe(48 * 60);
  expect(asked(undefined)).toBeUndefined();
});
