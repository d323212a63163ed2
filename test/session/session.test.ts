/**
 * Whole render sessions against the simulated world (four provider APIs, a ComfyUI simulator per machine, the
 * machine agent as a real python3 process): images land on disk, every machine ends, the journal tells the story.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { runSession, RunSessionOptions } from '../../src/session/session';
import type { SessionEvent } from '../../src/session/events';
import { Journal } from '../../src/session/journal';
import { startWorld, World } from '../../src/sim/world';
import { GpuburstError } from '../../providers/errors';
import { writeSd15Batch } from './support/batch';
import { sessionOptions } from './support/options';

const FAST = { readyTimeoutSeconds: 30, modelsTimeoutSeconds: 30, pollSeconds: 0.1, heartbeatMs: 300, agentPollSeconds: 0.3, confirmSeconds: 10 };

let world: World;
beforeAll(async () => {
  world = await startWorld({ timings: { provisionMs: 100, bootMs: 200, comfyStartMs: 100, stopMs: 100 }, comfy: { msPerStep: 2 } });
});
afterAll(async () => {
  await world.close();
});

function batchFile(dir: string, repeat = 4): string {
  return writeSd15Batch(dir, repeat);
}

function options(dir: string, over: Partial<RunSessionOptions> = {}): RunSessionOptions & { events: SessionEvent[] } {
  const events: SessionEvent[] = [];
  return { ...sessionOptions(world, dir, { batchFile: batchFile(dir), provider: 'vast', timings: FAST, emit: (e) => events.push(e), ...over }), events };
}

const billing = () => world.sims.flatMap((s) => s.state().machines.filter((m) => m.billing).map((m) => `${s.provider}:${m.name}`));

describe.each(['runpod', 'vast', 'lambda', 'paperspace'] as const)('a whole session on %s', (provider) => {
  test('renders every prompt, pulls every image, ends every machine', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `gpuburst-session-${provider}-`));
    const o = options(dir, { provider });
    const report = await runSession(o);
    expect(report.status).toBe('done');
    expect(report.prompts).toEqual({ total: 4, done: 4, failed: 0, interrupted: 0, notStarted: 0 });
    // <out>/<session>/<workflow>/<ComfyUI subfolder>/<ComfyUI name>-<prompt hash>.png
    const pngs = (fs.readdirSync(path.join(report.outDir, 'fox'), { recursive: true }) as string[]).filter((f) => f.endsWith('.png'));
    expect(pngs).toHaveLength(4);
    for (const f of pngs) {
      expect(f).toMatch(/^sd15\/ComfyUI_\d{5}_-[0-9a-f]{12}\.png$/);
      expect(fs.readFileSync(path.join(report.outDir, 'fox', f)).subarray(1, 4).toString()).toBe('PNG');
    }
    // What the report names is where the images are, not the session folder two levels above them.
    expect(report.imagesDir).toBe(path.join(report.outDir, 'fox', 'sd15'));
    expect(report.machines.map((m) => m.result)).toEqual(['terminated']);
    expect(billing()).toEqual([]);
    const journal = Journal.load(o.stateDir, report.sessionId)!.data;
    expect(journal.status).toBe('done');
    expect(journal.machines[0]).toMatchObject({ provider, state: 'terminated' });
    expect(journal.machines[0].watchdog.armed).toBe(true);
    expect(report.costUsd).toBeGreaterThan(0);
  }, 60_000);
});

test('a batch file with errors: every error listed, nothing rented', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-session-bad-'));
  const o = options(dir);
  fs.writeFileSync(o.batchFile, 'workflows:\n  - path: nope.json\n    repeat: -1\n  - repeat: 2\n');
  const before = world.sims.reduce((n, s) => n + s.state().machines.length, 0);
  await expect(runSession(o)).rejects.toMatchObject({ code: 'ERR_BAD_INPUT' });
  await expect(runSession(o)).rejects.toThrow(/workflows\[0\]\.repeat[\s\S]*workflows\[1\]\.path/);
  expect(world.sims.reduce((n, s) => n + s.state().machines.length, 0)).toBe(before);
});

test('a budget below the estimate is refused before anything is rented', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-session-budget-'));
  const before = world.sims.reduce((n, s) => n + s.state().machines.length, 0);
  const err = (await runSession(options(dir, { maxCostUsd: 0.0001 })).catch((e) => e)) as GpuburstError;
  expect(err.code).toBe('ERR_BAD_INPUT');
  expect(err.message).toMatch(/budget \$0\.0001 is below the estimate \$0\.0\d+ /);
  expect(world.sims.reduce((n, s) => n + s.state().machines.length, 0)).toBe(before);
});

test('two pods share the queue; both end', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-session-pods-'));
  const o = options(dir, { pods: 2, provider: 'runpod' });
  o.batchFile = batchFile(dir, 8);
  const report = await runSession(o);
  expect(report.prompts.done).toBe(8);
  const journal = Journal.load(o.stateDir, report.sessionId)!.data;
  expect(journal.machines.filter((m) => m.state === 'terminated')).toHaveLength(2);
  expect(new Set(journal.prompts.map((p) => p.machine)).size).toBe(2);
  expect(billing()).toEqual([]);
}, 60_000);

test('interrupted mid-render: what finished is on disk, the machine is terminated', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-session-int-'));
  const controller = new AbortController();
  const o = options(dir, { signal: controller.signal, provider: 'lambda' });
  o.batchFile = batchFile(dir, 40);
  o.emit = (e) => {
    if (e.type === 'prompt' && e.state === 'done') controller.abort();
  };
  const report = await runSession(o);
  expect(report.status).toBe('interrupted');
  expect(report.prompts.done).toBeGreaterThanOrEqual(1);
  expect(report.prompts.done).toBeLessThan(40);
  const journal = Journal.load(o.stateDir, report.sessionId)!.data;
  for (const p of journal.prompts.filter((x) => x.state === 'done')) for (const f of p.files!) expect(fs.existsSync(path.join(journal.outDir, f.path))).toBe(true);
  expect(report.machines.map((m) => m.result)).toEqual(['terminated']);
  expect(billing()).toEqual([]);
  expect(report.message).toMatch(/gpuburst resume/);
}, 60_000);
