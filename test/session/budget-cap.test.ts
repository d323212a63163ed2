/**
 * Budget cap mid-batch: when the spend one billing increment (plus the teardown reserve) from now would pass the
 * cap, queueing stops, what runs finishes and is pulled, the machine is torn down — and the bill stays within one
 * increment of the cap, as the session and the simulator both count it.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
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
  world = await startWorld({ providers: ['runpod'], timings: { provisionMs: 100, bootMs: 100, comfyStartMs: 100, stopMs: 100 }, comfy: { msPerStep: 5 } });
});
afterAll(() => world.close());

test('the cap stops the queue mid-batch; finished outputs are kept; spend ≤ cap + one increment', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-cap-'));
  fs.copyFileSync(path.join(__dirname, '..', '..', 'examples', 'sd15-txt2img.api.json'), path.join(dir, 'wf.json'));
  fs.writeFileSync(path.join(dir, 'batch.yaml'), 'output: out\nmodels:\n  - url: https://example.com/v1-5-pruned-emaonly-fp16.safetensors\n    folder: checkpoints\nworkflows:\n  - path: wf.json\n    name: cap\n    repeat: 200\n    seeds: increment\n');
  const env = { ...world.env };
  const pool = new ProviderPool(env);
  const base = { batchFile: path.join(dir, 'batch.yaml'), provider: 'runpod' as const, pods: 1, gpu: 'RTX 4090' };
  const plan = await makePlan(base, pool, env, dir);
  const usdPerSecond = plan.ranked[0].offer.usdPerHour / 3600;
  // Teardown reserve 10 s + one 1-s increment + about 3 s of work: the cap falls inside the batch.
  const capUsd = usdPerSecond * 14;
  const request = parseSessionRequest({ ...base, maxCostUsd: capUsd });
  const stateDir = path.join(dir, '.gpuburst');
  const journal = openJournal(request, plan, stateDir);
  const timings = { ...DEFAULT_TIMINGS, readyTimeoutSeconds: 30, modelsTimeoutSeconds: 30, pollSeconds: 0.1, heartbeatMs: 300, agentPollSeconds: 0.3, confirmSeconds: 10 };
  const emit = () => undefined;
  const lifecycle = new MachineLifecycle({ journal, stateDir, pool, request, timings, plan, emit });
  const report = await runJournaled({ lifecycle, request, timings, cwd: dir, emit }, plan, journal);

  expect(report.status).toBe('stopped');
  expect(report.stoppedBy).toBe('budget');
  expect(report.prompts.done).toBeGreaterThanOrEqual(1);
  expect(report.prompts.done).toBeLessThan(200);
  for (const p of journal.data.prompts.filter((x) => x.state === 'done')) for (const f of p.files!) expect(fs.existsSync(path.join(journal.data.outDir, f.path))).toBe(true);
  const increment = usdPerSecond * 1;
  expect(report.costUsd).toBeLessThanOrEqual(capUsd + increment);
  const billed = world.sims[0].state().machines.find((m) => m.name === journal.data.machines[0].name)!;
  expect(billed.billing).toBe(false);
  expect(billed.costUsd).toBeLessThanOrEqual(capUsd + increment);
  expect(report.message).toMatch(/budget/);
  // The suggested next step works: a plain resume is refused (nothing rented), the report says to raise the budget.
  expect(report.message).toContain(`finish with: gpuburst resume ${journal.data.id} --max-cost <more than $`);
  const machines = world.sims[0].state().machines.length;
  await expect(resumeSession({ stateDir, cwd: dir, env, id: journal.data.id, emit, timings })).rejects.toThrow(/its budget of \$[\d.]+ is spent \(\$[\d.]+ so far\); pass --max-cost <more than \$[\d.]+> to go on \(nothing was rented\)/);
  expect(world.sims[0].state().machines.length).toBe(machines);
}, 60_000);

test("resume counts an earlier run's spend by its provider's billing rule (a Paperspace minute is billed as an hour), as that run's budget did", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-prior-'));
  fs.copyFileSync(path.join(__dirname, '..', '..', 'examples', 'sd15-txt2img.api.json'), path.join(dir, 'wf.json'));
  fs.writeFileSync(path.join(dir, 'batch.yaml'), 'output: out\nmodels:\n  - url: https://example.com/v1-5-pruned-emaonly-fp16.safetensors\n    folder: checkpoints\nworkflows:\n  - path: wf.json\n    name: prior\n    repeat: 2\n');
  const env = { ...world.env };
  const base = { batchFile: path.join(dir, 'batch.yaml'), provider: 'runpod' as const, pods: 1 };
  const plan = await makePlan(base, new ProviderPool(env), env, dir);
  const stateDir = path.join(dir, '.gpuburst');
  const journal = openJournal(parseSessionRequest({ ...base, maxCostUsd: 0.5 }), plan, stateDir);
  // One minute on a $1/h Paperspace machine, ended: Paperspace bills the started hour, $1 — past the $0.50 budget.
  const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
  journal.now((d) => {
    d.status = 'partial';
    d.machines.push({ provider: 'paperspace', name: `gpuburst-${d.id}-aaaaa`, offerId: 'o', gpu: 'A4000', gpuCount: 1, usdPerHour: 1, region: 'NY2', state: 'terminated', id: 'ps1', intendedAt: at(5), createdAt: at(5), endedAt: at(4), watchdog: { armed: true, via: 'agent' } });
  });
  const machines = world.sims[0].state().machines.length;
  const refused = resumeSession({ stateDir, cwd: dir, env, id: journal.data.id, emit: () => undefined, confirm: async () => false });
  await expect(refused).rejects.toThrow(/its budget of \$0\.50 is spent \(\$1\.00 so far\)/);
  expect(world.sims[0].state().machines.length).toBe(machines);
}, 30_000);
