/**
 * Resume after outputs that were never pulled are lost: their machine is gone, or the machine is back without the
 * files. Those prompts render again instead of staying "failed, still on the machine" for good.
 */
import crypto from 'crypto';
import fs from 'fs';
import os from 'os';
import path from 'path';
import type { SessionEvent } from '../../src/session/events';
import { MachineLifecycle } from '../../src/session/lifecycle';
import { makePlan } from '../../src/session/plan';
import { ProviderPool } from '../../src/session/pool';
import { parseSessionRequest } from '../../src/session/request';
import { resumeSession } from '../../src/session/resume';
import { openJournal, runJournaled } from '../../src/session/session';
import { DEFAULT_TIMINGS } from '../../src/session/timings';
import { startWorld, World } from '../../src/sim/world';

let world: World;
beforeAll(async () => {
  world = await startWorld({ providers: ['runpod'], timings: { provisionMs: 50, bootMs: 50, comfyStartMs: 50, stopMs: 50 }, comfy: { msPerStep: 1 } });
});
afterAll(() => world.close());

const timings = { ...DEFAULT_TIMINGS, readyTimeoutSeconds: 30, modelsTimeoutSeconds: 30, pollSeconds: 0.1, heartbeatMs: 300, agentPollSeconds: 0.3, confirmSeconds: 10 };

/** A finished 3-prompt session on RunPod whose machine is kept (`teardownOnSuccess: false`). */
async function finishedSession(tag: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `gpuburst-${tag}-`));
  fs.copyFileSync(path.join(__dirname, '..', '..', 'examples', 'sd15-txt2img.api.json'), path.join(dir, 'wf.json'));
  fs.writeFileSync(path.join(dir, 'batch.yaml'), `output: out\nmodels:\n  - url: https://example.com/v1-5-pruned-emaonly-fp16.safetensors\n    folder: checkpoints\nworkflows:\n  - path: wf.json\n    name: ${tag}\n    repeat: 3\n    seeds: increment\n`);
  const env = { ...world.env };
  const pool = new ProviderPool(env);
  const base = { batchFile: path.join(dir, 'batch.yaml'), provider: 'runpod' as const, pods: 1, teardownOnSuccess: false };
  const plan = await makePlan(base, pool, env, dir);
  const request = parseSessionRequest(base);
  const stateDir = path.join(dir, '.gpuburst');
  const journal = openJournal(request, plan, stateDir);
  const lifecycle = new MachineLifecycle({ journal, stateDir, pool, request, timings, plan, emit: () => undefined });
  const report = await runJournaled({ lifecycle, request, timings, cwd: dir, emit: () => undefined }, plan, journal);
  expect(report.prompts.done).toBe(3);
  return { dir, env, stateDir, journal, pool };
}

/** Makes prompt 0 look as a failed pull leaves it: rendered on the machine, its file never written here. */
function unpull(s: Awaited<ReturnType<typeof finishedSession>>, remoteName: string, comfyPromptId?: string): string {
  const p = s.journal.data.prompts[0];
  for (const f of p.files ?? []) fs.rmSync(path.join(s.journal.data.outDir, f.path));
  s.journal.now(() => Object.assign(p, { state: 'failed', files: undefined, pullFailed: true, error: 'outputs could not be pulled: ENOSPC', comfyPromptId: comfyPromptId ?? p.comfyPromptId, remote: [{ nodeId: '9', filename: remoteName, subfolder: '', type: 'output' }] }));
  s.journal.now((d) => (d.status = 'partial'));
  return p.id;
}

async function resume(s: Awaited<ReturnType<typeof finishedSession>>) {
  const events: SessionEvent[] = [];
  const report = await resumeSession({ stateDir: s.stateDir, cwd: s.dir, env: s.env, id: s.journal.data.id, emit: (e) => events.push(e), timings, teardownOnSuccess: true });
  const after = JSON.parse(fs.readFileSync(path.join(s.stateDir, 'sessions', `${s.journal.data.id}.json`), 'utf8'));
  return { report, events, after };
}

test('the machine that held unpulled outputs is gone: resume renders those prompts again on a new one', async () => {
  const s = await finishedSession('gone');
  const id = unpull(s, 'ComfyUI_00001_.png');
  const first = s.journal.data.machines[0];
  await s.pool.get('runpod').terminateMachine({ id: first.id! });

  const { report, events, after } = await resume(s);
  expect(report.status).toBe('done');
  expect(report.remoteOutputs).toEqual([]);
  expect(events.some((e) => e.type === 'log' && /1 prompt\(s\) rendered on a machine that no longer exists and were never pulled: rendering them again/.test(e.message))).toBe(true);
  const p = after.prompts.find((x: { id: string }) => x.id === id);
  expect(p).toMatchObject({ state: 'done' });
  expect(p.pullFailed).toBeUndefined();
  expect(p.machine).not.toBe(first.name);
  for (const f of p.files) expect(fs.statSync(path.join(after.outDir, f.path)).size).toBe(f.bytes);
}, 60_000);

test('the machine is back but the files are not (404 from /view): resume renders them again instead of keeping it', async () => {
  const s = await finishedSession('wiped');
  // An id ComfyUI has no history for (a restarted server) and a file name its disk does not have.
  const id = unpull(s, 'ComfyUI_99999_.png', crypto.randomUUID());

  const { report, after } = await resume(s);
  expect(report.status).toBe('done');
  const p = after.prompts.find((x: { id: string }) => x.id === id);
  expect(p).toMatchObject({ state: 'done' });
  expect(p.files.length).toBeGreaterThan(0);
  // Nothing held it back: every machine of the session ended.
  expect(after.machines.map((m: { state: string }) => m.state)).toEqual(after.machines.map(() => 'terminated'));
}, 60_000);

test('no offer fits any more, but the machine holding unpulled outputs stands: resume pulls them and ends it', async () => {
  const s = await finishedSession('nooffer');
  const p0 = s.journal.data.prompts[0];
  // ComfyUI's own name of prompt 0's image, from the local one (`<name>-<hash>.png`, src/session/render.ts).
  const local = path.basename(p0.files![0].path);
  const id = unpull(s, local.replace(/-[0-9a-f]+(\.\w+)$/, '$1'));
  // The market empties: every RunPod pool has no free GPU, so a new plan ranks nothing.
  const runpod = world.sims[0];
  const { capacity: pools } = (await (await fetch(`${runpod.url}/_sim/capacity`)).json()) as { capacity: { gpuTypeId: string; cloud: string; free: number }[] };
  const setFree = (free?: number) =>
    Promise.all(pools.map((pool) => fetch(`${runpod.url}/_sim/capacity`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ gpuTypeId: pool.gpuTypeId, cloud: pool.cloud, free: free ?? pool.free }) })));
  await setFree(0);
  try {
    const { report, after } = await resume(s);
    expect(report.status).toBe('done');
    const p = after.prompts.find((x: { id: string }) => x.id === id);
    expect(p).toMatchObject({ state: 'done', machine: s.journal.data.machines[0].name });
    for (const f of p.files) expect(fs.statSync(path.join(after.outDir, f.path)).size).toBe(f.bytes);
    expect(after.machines.map((m: { state: string }) => m.state)).toEqual(['terminated']);
  } finally {
    await setFree();
  }

  // With no machine standing, the same market is refused in one line before anything is rented.
  const again = await finishedSession('nooffer-gone');
  await again.pool.get('runpod').terminateMachine({ id: again.journal.data.machines[0].id! });
  unpull(again, 'ComfyUI_00001_.png');
  await setFree(0);
  try {
    await expect(resume(again)).rejects.toMatchObject({ code: 'ERR_BAD_INPUT', message: expect.stringMatching(/^no offer fits: \d+ offer\(s\) listed, 0 available/) });
  } finally {
    await setFree();
  }
}, 90_000);
