/**
 * The batch against the machine that renders it, on the simulated clouds: a model-free batch renders on each of the
 * four clouds (the pulled files are the PNGs the machine's ComfyUI saved, and nothing is calibrated); a batch whose
 * custom node the machine lacks queues nothing, and the machine is ended at once with each problem listed.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import type { GpuburstError } from '../../../providers/errors';
import type { SessionReport } from '../../../src/session/report';
import { runSession, RunSessionOptions } from '../../../src/session/session';
import { Journal } from '../../../src/session/journal';
import { startWorld, World } from '../../../src/sim/world';
import { sessionOptions } from '../support/options';
import { bareNodeRepo } from '../support/git-pack';

const EXAMPLES = path.join(__dirname, '..', '..', '..', 'examples');
const FAST = { readyTimeoutSeconds: 30, modelsTimeoutSeconds: 30, pollSeconds: 0.1, heartbeatMs: 300, agentPollSeconds: 0.3, confirmSeconds: 10 };

let world: World;
beforeAll(async () => {
  world = await startWorld({ timings: { provisionMs: 100, bootMs: 200, comfyStartMs: 100, stopMs: 100 }, comfy: { msPerStep: 2 } });
});
afterAll(async () => {
  await world.close();
});

function options(dir: string, batchFile: string, provider: RunSessionOptions['provider']): RunSessionOptions {
  return sessionOptions(world, dir, { batchFile, provider, timings: FAST });
}

/** The example batch, copied so its outputs land in a temporary folder. */
function invertBatch(dir: string): string {
  fs.copyFileSync(path.join(EXAMPLES, 'invert.api.json'), path.join(dir, 'invert.api.json'));
  const yaml = fs.readFileSync(path.join(EXAMPLES, 'invert-batch.yaml'), 'utf8').replace(/^output: .*$/m, 'output: out');
  fs.writeFileSync(path.join(dir, 'invert-batch.yaml'), yaml);
  return path.join(dir, 'invert-batch.yaml');
}

const pngsBelow = (dir: string) => (fs.existsSync(dir) ? (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.png')).map((f) => path.join(dir, f)) : []);
const billing = () => world.sims.flatMap((s) => s.state().machines.filter((m) => m.billing).map((m) => `${s.provider}:${m.name}`));

describe.each(['runpod', 'vast', 'lambda', 'paperspace'] as const)('the model-free example batch on %s', (provider) => {
  test('renders, pulls the PNGs its ComfyUI saved, reports model-free, calibrates nothing', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `gpuburst-invert-${provider}-`));
    const report = await runSession(options(dir, invertBatch(dir), provider));
    expect(report).toMatchObject({ status: 'done', model: 'model-free', prompts: { total: 3, done: 3, failed: 0, notStarted: 0 } });
    expect(report.calibrated).toBeUndefined();
    const journal = Journal.load(path.join(dir, '.gpuburst'), report.sessionId)!.data;
    expect(journal.request.model).toBeUndefined();
    const saved = pngsBelow(path.join(world.machineDisk(journal.machines[0].id!), 'output'));
    const pulled = pngsBelow(report.outDir);
    expect(saved).toHaveLength(3);
    expect(pulled).toHaveLength(3);
    // Byte for byte what the machine's ComfyUI wrote, each one once.
    const digest = (f: string) => fs.readFileSync(f).toString('base64');
    expect(new Set(pulled.map(digest))).toEqual(new Set(saved.map(digest)));
    expect(fs.existsSync(path.join(dir, '.gpuburst', 'calibration.json'))).toBe(false);
    expect(billing()).toEqual([]);
  }, 60_000);
});

test('a custom node the machine lacks: nothing queued, the machine ended at once, each problem listed once', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-refused-'));
  const prompt = JSON.parse(fs.readFileSync(path.join(EXAMPLES, 'invert.api.json'), 'utf8'));
  prompt['2'].class_type = 'KJInvertFancy';
  fs.writeFileSync(path.join(dir, 'wf.json'), JSON.stringify(prompt));
  // A pack that installs (it defines GoodNode), but not the class the prompt uses.
  const bare = bareNodeRepo(dir);
  fs.writeFileSync(path.join(dir, 'batch.yaml'), `output: out\nnodes:\n  - file://${bare}@v1.0\nworkflows:\n  - path: wf.json\n    name: inv\n    substitutions:\n      - node: "1"\n        input: color\n        values: [1, 2, 3]\n`);
  const err = (await runSession(options(dir, path.join(dir, 'batch.yaml'), 'vast')).catch((e: unknown) => e)) as GpuburstError & { report: SessionReport };
  expect(err.code).toBe('ERR_BAD_INPUT');
  expect(err.message).toMatch(/^the ComfyUI on vast gpuburst-\S+ refuses 1 problem\(s\) of the batch; nothing was queued and the session ends:\n {2}prompt inv-[0-9a-f]{12} node 2 \(KJInvertFancy\): node class KJInvertFancy does not exist on the server/);
  expect(err.report.status).toBe('failed');
  expect(err.report.refused).toEqual([{ machine: expect.stringMatching(/^vast gpuburst-/), promptId: expect.stringMatching(/^inv-/), nodeId: '2', classType: 'KJInvertFancy', message: expect.stringContaining('does not exist on the server') }]);
  expect(err.report.machines.map((m) => m.result)).toEqual(['terminated']);
  const journal = Journal.load(path.join(dir, '.gpuburst'), err.report.sessionId)!.data;
  expect(journal.prompts.map((p) => p.state)).toEqual(['pending', 'pending', 'pending']);
  expect(journal.prompts.every((p) => !p.comfyPromptId)).toBe(true);
  expect(pngsBelow(path.join(world.machineDisk(journal.machines[0].id!), 'output'))).toEqual([]);
  expect(billing()).toEqual([]);
}, 60_000);

test('a custom node and no nodes: refused before anything is rented', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-nonodes-'));
  const prompt = JSON.parse(fs.readFileSync(path.join(EXAMPLES, 'invert.api.json'), 'utf8'));
  prompt['2'].class_type = 'KJInvertFancy';
  fs.writeFileSync(path.join(dir, 'wf.json'), JSON.stringify(prompt));
  fs.writeFileSync(path.join(dir, 'batch.yaml'), 'output: out\nworkflows:\n  - path: wf.json\n');
  const before = world.sims.reduce((n, s) => n + s.state().machines.length, 0);
  const err = (await runSession(options(dir, path.join(dir, 'batch.yaml'), 'runpod')).catch((e: unknown) => e)) as GpuburstError;
  expect(err.code).toBe('ERR_BAD_INPUT');
  expect(err.message).toBe(`${path.join(dir, 'batch.yaml')}: KJInvertFancy is not a core node of ComfyUI v0.3.64: list the node pack under nodes: in the batch file so the machine installs it`);
  expect(world.sims.reduce((n, s) => n + s.state().machines.length, 0)).toBe(before);
});
