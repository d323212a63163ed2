/**
 * Hostile matrix, class 2 (signals honoured) and 3 (nothing rented nobody asked for), with prompts far longer than
 * a user waits: the first SIGINT / SIGTERM interrupts the running prompt on the machine instead of waiting for it,
 * pulls what was made, tears down and exits 130 naming the interrupted prompts; `resume` rents only as many
 * machines as prompts are left. The kill timer is below one long prompt's length: waiting for it fails the case.
 */
import fs from 'fs';
import path from 'path';
import { startWorld, World } from '../../src/sim/world';
import { expectEnded, gpuburst, SD15_MODEL, when, workspace } from './support';

const MS_PER_STEP = 20;
const LONG_STEPS = 5000;
const LONG_SECONDS = (LONG_STEPS * MS_PER_STEP) / 1000; // 100 s of simulated GPU time per long prompt
const WORLD_TIMINGS = { provisionMs: 50, bootMs: 100, comfyStartMs: 50, stopMs: 50 };

let slow: World;
beforeAll(async () => {
  slow = await startWorld({ providers: ['runpod'], comfy: { msPerStep: MS_PER_STEP }, timings: WORLD_TIMINGS });
});
afterAll(async () => {
  await slow.close();
});

/** `short` prompts of 2 steps, then `long` prompts of LONG_STEPS. */
function batch(short: number, long: number): string {
  const entry = (name: string, steps: number, repeat: number) => [`  - path: wf.json`, `    name: ${name}`, `    repeat: ${repeat}`, '    seeds: increment', '    substitutions:', '      - node: "3"', '        input: steps', `        values: [${steps}]`];
  return ['output: out', ...SD15_MODEL, 'workflows:', ...entry('short', 2, short), ...entry('long', LONG_STEPS, long)].join('\n') + '\n';
}

const sessionOf = (cwd: string) => path.basename(fs.readdirSync(path.join(cwd, '.gpuburst', 'sessions')).find((f) => f.endsWith('.json'))!, '.json');
const journalOf = (cwd: string) => JSON.parse(fs.readFileSync(path.join(cwd, '.gpuburst', 'sessions', `${sessionOf(cwd)}.json`), 'utf8'));
const machinesOf = (world: World, session: string) => world.sims[0].state().machines.filter((m) => m.name.includes(session));
const ENV = { GPUBURST_SESSION_TIMINGS: '{"pollSeconds":0.1}' };

/** Sends `signal` once `doneLines` prompts are reported done (the long ones are then running). */
const signalAfterDone = (signal: NodeJS.Signals, doneLines: number) => when((output) => (output.match(/prompt \S+ done \(/g) ?? []).length >= doneLines, (child) => child.kill(signal));

test.each(['SIGINT', 'SIGTERM'] as const)('one %s while a long prompt runs: it is interrupted, what was made is pulled, the machine ends long before the prompt could, exit 130', async (signal) => {
  const cwd = workspace({ 'b.yaml': batch(1, 2) });
  const r = await gpuburst(['run', 'b.yaml', '--provider', 'runpod', '--yes'], { cwd, env: { ...slow.env, ...ENV }, killMs: (LONG_SECONDS * 1000) / 2, onSpawn: signalAfterDone(signal, 1) });
  expectEnded(r, 130, /: terminated$/);
  expect(r.err).toMatch(new RegExp(`${signal === 'SIGINT' ? 'interrupt' : 'SIGTERM'}: stopping — interrupting the running prompt\\(s\\).*left for gpuburst resume \\(${signal === 'SIGINT' ? 'Ctrl-C' : 'SIGTERM'} again leaves at once\\)`));
  const j = journalOf(cwd);
  const interrupted = j.prompts.filter((p: { state: string }) => p.state === 'interrupted').map((p: { id: string }) => p.id);
  expect(interrupted).toHaveLength(1);
  expect(r.out).toContain(`interrupted (left for resume): ${interrupted[0]}`);
  expect(r.out).toMatch(/1\/3 prompts done, 1 interrupted, 1 not run/);
  const done = j.prompts.filter((p: { state: string }) => p.state === 'done');
  expect(done).toHaveLength(1);
  for (const f of done[0].files) expect(fs.existsSync(path.join(j.outDir, f.path))).toBe(true);
  const machines = machinesOf(slow, sessionOf(cwd));
  expect(machines.map((m) => m.status)).toEqual(['TERMINATED']);
  expect(machines[0].billedSeconds).toBeLessThan(LONG_SECONDS);
  fs.rmSync(cwd, { recursive: true, force: true });
}, 90_000);

test('Ctrl-C that also ends the reader of our output (`gpuburst run | tee log`): no loop on the broken pipe, the machine is torn down, exit 130', async () => {
  const cwd = workspace({ 'b.yaml': batch(1, 1) });
  // The shell sends SIGINT to the whole pipeline: tee is gone before gpuburst writes its first line about it.
  const readerGoesToo = when(
    (output) => /prompt \S+ done \(/.test(output),
    (child) => {
      child.stdout!.destroy();
      child.stderr!.destroy();
      child.kill('SIGINT');
    },
  );
  const r = await gpuburst(['run', 'b.yaml', '--provider', 'runpod', '--yes'], { cwd, env: { ...slow.env, ...ENV }, killMs: (LONG_SECONDS * 1000) / 2, onSpawn: readerGoesToo });
  expect({ killed: r.killed, status: r.status }).toEqual({ killed: false, status: 130 });
  const machines = machinesOf(slow, sessionOf(cwd));
  expect(machines.map((m) => m.status)).toEqual(['TERMINATED']);
  expect(machines[0].billedSeconds).toBeLessThan(LONG_SECONDS);
  expect(journalOf(cwd).prompts.map((p: { state: string }) => p.state).sort()).toEqual(['done', 'interrupted']);
  fs.rmSync(cwd, { recursive: true, force: true });
}, 90_000);

test('resume after an interrupt rents only as many machines as prompts are left (--pods 4, 2 left → 2) and renders the interrupted ones', async () => {
  const cwd = workspace({ 'b.yaml': batch(2, 2) });
  const r = await gpuburst(['run', 'b.yaml', '--provider', 'runpod', '--pods', '4', '--yes'], { cwd, env: { ...slow.env, ...ENV }, killMs: (LONG_SECONDS * 1000) / 2, onSpawn: signalAfterDone('SIGINT', 2) });
  expect({ killed: r.killed, status: r.status }).toEqual({ killed: false, status: 130 });
  const id = sessionOf(cwd);
  expect(machinesOf(slow, id)).toHaveLength(4);
  expect(machinesOf(slow, id).every((m) => m.status === 'TERMINATED')).toBe(true);
  expect(journalOf(cwd).prompts.map((p: { state: string }) => p.state).sort()).toEqual(['done', 'done', 'interrupted', 'interrupted']);

  // The same simulated session, resumed where prompts render fast.
  const fast = await startWorld({ providers: ['runpod'], comfy: { msPerStep: 0.05 }, timings: WORLD_TIMINGS });
  try {
    const again = await gpuburst(['resume', id, '--yes'], { cwd, env: { ...fast.env, ...ENV }, killMs: 60_000 });
    expectEnded(again, 0, /: terminated$/);
    expect(again.err).toMatch(/2 of 4 prompt\(s\) not done \(on at most 2 machine\(s\)\)/);
    expect(machinesOf(fast, id)).toHaveLength(2);
    expect(machinesOf(fast, id).every((m) => m.status === 'TERMINATED')).toBe(true);
    expect(journalOf(cwd).prompts.every((p: { state: string }) => p.state === 'done')).toBe(true);
  } finally {
    await fast.close();
  }
  fs.rmSync(cwd, { recursive: true, force: true });
}, 120_000);
