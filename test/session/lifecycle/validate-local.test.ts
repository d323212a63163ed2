/**
 * Local servers are checked the same way before anything is queued: each server's own /object_info (not only the
 * first one's), a UI workflow converted with the server's definitions, a model-free batch never calibrated.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import type { GpuburstError } from '../../../providers/errors';
import type { SessionReport } from '../../../src/session/report';
import { runSession, RunSessionOptions } from '../../../src/session/session';
import { startComfySim, ComfySim } from '../../../src/sim/comfyui';

const EXAMPLES = path.join(__dirname, '..', '..', '..', 'examples');
const WORKFLOWS = path.join(__dirname, '..', '..', 'fixtures', 'comfy', 'workflows');
const SD15 = 'v1-5-pruned-emaonly-fp16.safetensors';
const servers: ComfySim[] = [];
afterAll(async () => {
  for (const s of servers) await s.close();
});

async function server(models: Record<string, string[]> = {}): Promise<ComfySim> {
  const s = await startComfySim({ msPerStep: 1, models });
  servers.push(s);
  return s;
}

function options(dir: string, urls: string[]): RunSessionOptions {
  return { batchFile: path.join(dir, 'batch.yaml'), provider: 'local', pods: urls.length, teardown: 'terminate', idleMinutes: 10, heartbeatMinutes: 10, remoteKey: false, comfyUrls: urls, stateDir: path.join(dir, '.gpuburst'), cwd: dir, env: {}, confirm: async () => true, timings: { pollSeconds: 0.1, readyTimeoutSeconds: 10, confirmSeconds: 5 }, emit: () => undefined };
}

async function idle(s: ComfySim): Promise<void> {
  for (;;) {
    const q = (await (await fetch(`${s.url}/queue`)).json()) as { queue_running: unknown[]; queue_pending: unknown[] };
    if (q.queue_running.length + q.queue_pending.length === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const pngsBelow = (dir: string) => (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.png'));

test('the second of two servers lacks the checkpoint: neither gets a prompt, the problem names that server', async () => {
  const a = await server({ checkpoints: [SD15] });
  const b = await server();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-local-refused-'));
  fs.copyFileSync(path.join(EXAMPLES, 'sd15-txt2img.api.json'), path.join(dir, 'wf.json'));
  fs.writeFileSync(path.join(dir, 'batch.yaml'), 'output: out\nworkflows:\n  - path: wf.json\n    name: lake\n    repeat: 4\n');
  const err = (await runSession(options(dir, [a.url, b.url])).catch((e: unknown) => e)) as GpuburstError & { report: SessionReport };
  expect(err.code).toBe('ERR_BAD_INPUT');
  expect(err.report.refused).toEqual([{ machine: `local ComfyUI ${b.url}`, promptId: expect.stringMatching(/^lake-/), nodeId: '4', classType: 'CheckpointLoaderSimple', message: expect.stringContaining(SD15) }]);
  expect(err.report.prompts).toEqual({ total: 4, done: 0, failed: 0, interrupted: 0, notStarted: 4 });
  expect(err.report.machines.map((m) => m.result)).toEqual(['released', 'released']);
  for (const s of [a, b]) expect(pngsBelow(s.dirs.output)).toEqual([]);
}, 30_000);

test('a model-free local run: reported model-free, calibration.json untouched', async () => {
  const s = await server();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-local-free-'));
  fs.copyFileSync(path.join(EXAMPLES, 'invert.api.json'), path.join(dir, 'invert.api.json'));
  fs.writeFileSync(path.join(dir, 'batch.yaml'), fs.readFileSync(path.join(EXAMPLES, 'invert-batch.yaml'), 'utf8').replace(/^output: .*$/m, 'output: out'));
  fs.mkdirSync(path.join(dir, '.gpuburst'));
  const calibration = JSON.stringify({ version: 2, entries: [] });
  fs.writeFileSync(path.join(dir, '.gpuburst', 'calibration.json'), calibration);
  const report = await runSession(options(dir, [s.url]));
  expect(report).toMatchObject({ status: 'done', model: 'model-free', prompts: { done: 3 } });
  expect(report.calibrated).toBeUndefined();
  // No "N× your local RTX 3060" from a nominal model-free figure.
  expect(report.speedupVsLocal).toBeUndefined();
  expect(fs.readFileSync(path.join(dir, '.gpuburst', 'calibration.json'), 'utf8')).toBe(calibration);
}, 30_000);

test('an SD3 UI workflow the live server accepts runs locally', async () => {
  const s = await server({ checkpoints: ['sd3.5_large_fp8_scaled.safetensors'] });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-local-sd3-'));
  fs.copyFileSync(path.join(WORKFLOWS, 'sd3__sd3.5_simple_example.png.ui.json'), path.join(dir, 'sd3.ui.json'));
  fs.writeFileSync(path.join(dir, 'batch.yaml'), 'output: out\nworkflows:\n  - path: sd3.ui.json\n    name: sd3\n');
  const report = await runSession(options(dir, [s.url]));
  expect(report).toMatchObject({ status: 'done', prompts: { done: 1 } });
}, 30_000);

test('an SD3 batch on a local server: its speed is not saved under a catalog model (measurement.ts names files, SD3 is none)', async () => {
  const s = await server({ checkpoints: ['sd3.5_large_fp8_scaled.safetensors'] });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-local-sd3-cal-'));
  fs.copyFileSync(path.join(WORKFLOWS, 'sd3__sd3.5_simple_example.png.ui.json'), path.join(dir, 'sd3.ui.json'));
  fs.writeFileSync(path.join(dir, 'batch.yaml'), 'output: out\nworkflows:\n  - path: sd3.ui.json\n    name: sd3\n    repeat: 3\n');
  fs.mkdirSync(path.join(dir, '.gpuburst'));
  const calibration = JSON.stringify({ version: 2, entries: [] });
  fs.writeFileSync(path.join(dir, '.gpuburst', 'calibration.json'), calibration);
  const report = await runSession(options(dir, [s.url]));
  expect(report).toMatchObject({ status: 'done', prompts: { done: 3 } });
  expect(report.calibrated).toBeUndefined();
  expect(fs.readFileSync(path.join(dir, '.gpuburst', 'calibration.json'), 'utf8')).toBe(calibration);
}, 30_000);

test('resume checks every server again: one that lost the checkpoint since gets nothing, and neither does the other', async () => {
  const a = await server({ checkpoints: [SD15] });
  const b = await server({ checkpoints: [SD15] });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-local-resume-'));
  fs.copyFileSync(path.join(EXAMPLES, 'sd15-txt2img.api.json'), path.join(dir, 'wf.json'));
  fs.writeFileSync(path.join(dir, 'batch.yaml'), 'output: out\nworkflows:\n  - path: wf.json\n    name: lake\n    repeat: 30\n');
  const controller = new AbortController();
  const first = await runSession({ ...options(dir, [a.url, b.url]), signal: controller.signal, emit: (e) => void (e.type === 'prompt' && e.state === 'done' && controller.abort()) });
  expect(first.status).toBe('interrupted');
  expect(first.prompts.notStarted).toBeGreaterThan(0);
  fs.rmSync(path.join(b.dirs.models, 'checkpoints', SD15));
  // What the interrupted run had queued ahead finishes on the servers first.
  for (const s of [a, b]) await idle(s);
  const rendered = () => [a, b].map((s) => pngsBelow(s.dirs.output).length);
  const before = rendered();
  const { resumeSession } = await import('../../../src/session/resume');
  const err = (await resumeSession({ stateDir: path.join(dir, '.gpuburst'), cwd: dir, env: {}, id: first.sessionId, emit: () => undefined, timings: { pollSeconds: 0.1, readyTimeoutSeconds: 10, confirmSeconds: 5 } }).catch((e: unknown) => e)) as GpuburstError & { report: SessionReport };
  expect(err.code).toBe('ERR_BAD_INPUT');
  expect(err.report.refused?.map((r) => r.machine)).toEqual([`local ComfyUI ${b.url}`]);
  expect(rendered()).toEqual(before);
}, 30_000);
