/**
 * The first Ctrl-C / SIGTERM does not wait for a long running prompt: the session interrupts it on the machine
 * (ComfyUI's POST /interrupt, honoured between sampler steps), pulls every output already made, tears down, and
 * leaves the interrupted prompt to `resume`, which renders it.
 */
import crypto from 'crypto';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { resumeSession } from '../../src/session/resume';
import { runSession } from '../../src/session/session';
import { Journal } from '../../src/session/journal';
import { startWorld, World } from '../../src/sim/world';
import { sessionOptions } from './support/options';

const FAST = { readyTimeoutSeconds: 30, modelsTimeoutSeconds: 30, pollSeconds: 0.1, heartbeatMs: 300, agentPollSeconds: 0.3, confirmSeconds: 10 };
const MS_PER_STEP = 10;
/** One long prompt renders for 60 s of simulated GPU time: far longer than an interrupt may take. */
const LONG_STEPS = 6000;
const LONG_SECONDS = (LONG_STEPS * MS_PER_STEP) / 1000;

let slow: World;
beforeAll(async () => {
  slow = await startWorld({ providers: ['runpod'], timings: { provisionMs: 100, bootMs: 200, comfyStartMs: 100, stopMs: 100 }, comfy: { msPerStep: MS_PER_STEP } });
});
afterAll(async () => {
  await slow.close();
});

/** A short prompt first, then two long ones: the abort comes when the short one is done and the first long one runs. */
function writeBatch(dir: string): string {
  fs.copyFileSync(path.join(__dirname, '..', '..', 'examples', 'sd15-txt2img.api.json'), path.join(dir, 'wf.json'));
  const steps = (name: string, n: number, repeat: number) => [`  - path: wf.json`, `    name: ${name}`, `    repeat: ${repeat}`, '    seeds: increment', '    substitutions:', '      - node: "3"', '        input: steps', `        values: [${n}]`];
  const file = path.join(dir, 'batch.yaml');
  const model = ['models:', '  - url: https://huggingface.co/Comfy-Org/stable-diffusion-v1-5-archive/resolve/main/v1-5-pruned-emaonly-fp16.safetensors', '    folder: checkpoints'];
  fs.writeFileSync(file, ['output: out', ...model, 'workflows:', ...steps('short', 2, 1), ...steps('long', LONG_STEPS, 2)].join('\n'));
  return file;
}

function options(world: World, dir: string, signal: AbortSignal, onDone: () => void) {
  return sessionOptions(world, dir, {
    batchFile: writeBatch(dir),
    provider: 'runpod',
    timings: FAST,
    signal,
    emit: (e) => void (e.type === 'prompt' && e.state === 'done' && onDone()),
  });
}

const sha = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

test('an abort mid-prompt interrupts it on the machine: terminated long before the prompt could end, made outputs pulled, resume renders it', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-interrupt-'));
  const controller = new AbortController();
  const o = options(slow, dir, controller.signal, () => controller.abort());
  const report = await runSession(o);

  expect(report.status).toBe('interrupted');
  expect(report.prompts).toEqual({ total: 3, done: 1, failed: 0, interrupted: 1, notStarted: 1 });
  const journal = Journal.load(o.stateDir, report.sessionId)!.data;
  const long = journal.prompts.filter((p) => p.workflow === 'long');
  expect(long.map((p) => p.state).sort()).toEqual(['interrupted', 'pending']);
  expect(report.interruptedPrompts).toEqual(long.filter((p) => p.state === 'interrupted').map((p) => p.id));
  expect(report.message).toMatch(/1 prompt\(s\) interrupted while running.*gpuburst resume/);

  // The machine: ended, billed for far less than one long prompt (it did not wait for it).
  const machines = slow.sims[0].state().machines.filter((m) => m.name.includes(report.sessionId));
  expect(machines.map((m) => m.status)).toEqual(['TERMINATED']);
  expect(machines[0].billedSeconds).toBeLessThan(LONG_SECONDS);
  // One figure for billed time: the report's (the budget tracker's), the journal's and the cloud's agree.
  expect((journal.report as { billedSeconds: number }).billedSeconds).toBe(report.billedSeconds);
  expect(Math.abs(report.billedSeconds - machines[0].billedSeconds)).toBeLessThanOrEqual(3);
  // Every image the machine made is on this computer.
  const local = new Set(filesUnder(journal.outDir).map(sha));
  const made = filesUnder(path.join(slow.machineDisk(machines[0].id), 'output'));
  expect(made.length).toBeGreaterThanOrEqual(1);
  expect(made.filter((f) => !local.has(sha(f)))).toEqual([]);

  // resume renders the interrupted prompt and the one never started (on a fast world: the same simulated session).
  const fast = await startWorld({ providers: ['runpod'], timings: { provisionMs: 100, bootMs: 200, comfyStartMs: 100, stopMs: 100 }, comfy: { msPerStep: 0.05 } });
  try {
    const resumed = await resumeSession({ stateDir: o.stateDir, cwd: dir, env: { ...fast.env }, id: report.sessionId, emit: () => undefined, timings: FAST });
    expect(resumed.status).toBe('done');
    expect(resumed.prompts).toEqual({ total: 3, done: 3, failed: 0, interrupted: 0, notStarted: 0 });
    expect(Journal.load(o.stateDir, report.sessionId)!.data.prompts.every((p) => p.state === 'done' && p.files?.length)).toBe(true);
    // The report is the session's: the first run's bill plus this one's (the simulator's), one figure per image.
    const second = fast.sims[0].state().machines.filter((m) => m.name.includes(report.sessionId));
    expect(second).toHaveLength(1);
    expect(Math.abs(resumed.billedSeconds - (report.billedSeconds + second[0].billedSeconds))).toBeLessThanOrEqual(4);
    expect(resumed.costUsd).toBeGreaterThan(report.costUsd);
    expect(resumed.usdPerImage).toBeCloseTo(resumed.costUsd / resumed.images, 10);
  } finally {
    await fast.close();
  }
  fs.rmSync(dir, { recursive: true, force: true });
}, 120_000);
