/**
 * The Pulumi steps own their session like `run` and `resume` do: the provision step holds the session's lock while
 * it provisions, and the destroy step (terminateStep) never pulls a machine from under a CLI `resume` that owns the
 * session — it asks that process to stop (it interrupts, pulls, tears down itself), then ends what is left.
 */
import { ChildProcess, spawn } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { lockOwner } from '../../src/session/lock';
import { Journal } from '../../src/session/journal';
import { provisionStep, terminateStep } from '../../src/session/steps';
import { startWorld, World } from '../../src/sim/world';
import { ensureBuilt } from '../stacks/support/build';

const FAST = { readyTimeoutSeconds: 30, modelsTimeoutSeconds: 30, pollSeconds: 0.1, heartbeatMs: 300, agentPollSeconds: 0.3, confirmSeconds: 10 };
const CLI = path.join(__dirname, '..', '..', 'dist', 'src', 'cli', 'index.js');

let world: World;
beforeAll(async () => {
  await ensureBuilt();
  world = await startWorld({ providers: ['runpod'], timings: { provisionMs: 50, bootMs: 100, comfyStartMs: 50, stopMs: 50 }, comfy: { msPerStep: 20 } });
});
afterAll(async () => {
  await world.close();
});

/** A short prompt, then long ones (3000 steps: 60 s each), so a resume is rendering when the destroy comes. */
function project(): { dir: string; request: Record<string, unknown> } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-steps-lock-'));
  fs.copyFileSync(path.join(__dirname, '..', '..', 'examples', 'sd15-txt2img.api.json'), path.join(dir, 'wf.json'));
  const entry = (name: string, steps: number, repeat: number) => [`  - path: wf.json`, `    name: ${name}`, `    repeat: ${repeat}`, '    seeds: increment', '    substitutions:', '      - node: "3"', '        input: steps', `        values: [${steps}]`];
  const model = ['models:', '  - url: https://huggingface.co/Comfy-Org/stable-diffusion-v1-5-archive/resolve/main/v1-5-pruned-emaonly-fp16.safetensors', '    folder: checkpoints'];
  fs.writeFileSync(path.join(dir, 'batch.yaml'), ['output: out', ...model, 'workflows:', ...entry('short', 2, 1), ...entry('long', 3000, 2)].join('\n'));
  return { dir, request: { batchFile: path.join(dir, 'batch.yaml'), provider: 'runpod', pods: 1, simulated: true } };
}

const sessionIn = (dir: string) => path.basename(fs.readdirSync(path.join(dir, '.gpuburst', 'sessions')).find((f) => f.endsWith('.json'))!, '.json');

test('the provision step holds the session lock while it provisions, and lets go when done', async () => {
  const { dir, request } = project();
  let ownerWhileProvisioning: number | undefined;
  const machine = await provisionStep({
    request,
    cwd: dir,
    env: { ...world.env },
    timings: FAST,
    emit: (e) => {
      if (e.type === 'machine' && e.state === 'ready') ownerWhileProvisioning = lockOwner(path.join(dir, '.gpuburst'), sessionIn(dir))?.pid;
    },
  });
  expect(ownerWhileProvisioning).toBe(process.pid);
  expect(lockOwner(path.join(dir, '.gpuburst'), machine.sessionId)).toBeUndefined();
  await terminateStep({ provider: 'runpod', machineId: machine.machineId, sessionId: machine.sessionId, cwd: dir, env: { ...world.env }, timings: FAST });
  expect(world.sims[0].state().machines.find((m) => m.id === machine.machineId)?.status).toBe('TERMINATED');
  fs.rmSync(dir, { recursive: true, force: true });
}, 60_000);

test('destroy while a CLI resume renders the session: the resume is asked to stop, pulls what is done and ends the machine itself', async () => {
  const { dir, request } = project();
  const env = { ...world.env };
  const machine = await provisionStep({ request, cwd: dir, env, timings: FAST });
  // The stack's render step was interrupted (Ctrl-C on `pulumi up`): the journal says so, the machine is still up.
  Journal.load(path.join(dir, '.gpuburst'), machine.sessionId)!.now((d) => (d.status = 'interrupted'));
  // The user resumes the stack's session from the CLI (it takes the session's lock) …
  const child: ChildProcess = spawn(process.execPath, [CLI, 'resume', machine.sessionId, '--yes'], { cwd: dir, env: { PATH: process.env.PATH ?? '', HOME: dir, TMPDIR: os.tmpdir(), ...env, GPUBURST_SESSION_TIMINGS: JSON.stringify(FAST) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const kill = setTimeout(() => child.kill('SIGKILL'), 50_000);
  try {
    for (let i = 0; i < 400 && !/prompt \S+ done \(/.test(err) && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 100));
    expect(err).toMatch(/prompt \S+ done \(/);
    // … and `pulumi destroy` runs meanwhile.
    await terminateStep({ provider: 'runpod', machineId: machine.machineId, sessionId: machine.sessionId, cwd: dir, env, timings: FAST, ownerWaitSeconds: 40 });
    expect(await exited).toBe(130);
  } finally {
    clearTimeout(kill);
  }
  expect(err).toMatch(/pulumi destroy \(process \d+\) asked this session to stop/);
  const j = Journal.load(path.join(dir, '.gpuburst'), machine.sessionId)!.data;
  const done = j.prompts.filter((p) => p.state === 'done');
  expect(done).toHaveLength(1);
  for (const f of done[0].files!) expect(fs.existsSync(path.join(j.outDir, f.path))).toBe(true);
  expect(j.prompts.filter((p) => p.state === 'interrupted')).toHaveLength(1);
  expect(j.machines.every((m) => m.state === 'terminated')).toBe(true);
  expect(world.sims[0].state().machines.find((m) => m.id === machine.machineId)).toMatchObject({ status: 'TERMINATED', billing: false });
  fs.rmSync(dir, { recursive: true, force: true });
}, 90_000);
