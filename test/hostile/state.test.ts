/**
 * Hostile cases for sessions you can always find, own and end (issue 12, classes 3 and 4): damaged journals,
 * sessions from other folders, locks, resume's confirmation and budget, a simulated session kept simulated, and
 * `down` on a live session. Each runs the BUILT CLI (`npm run build` first) and asserts the exit code, the line the
 * user reads, what the simulators rented, and a time bound (a run still going after its limit is killed and fails).
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { EXIT } from '../../src/cli/exit-codes';
import { startWorld, World } from '../../src/sim/world';
import { clean, crashedSession, created, DEAD_PID, gpuburst, lastLine, project, simMachine, userHome } from './support-state';

let world: World;
beforeAll(async () => {
  world = await startWorld({ providers: ['vast'], timings: { provisionMs: 50, bootMs: 50, comfyStartMs: 50, stopMs: 50 } });
});
afterAll(() => world.close());

/** The user's environment pointed at the simulated world (as `gpuburst sim` prints it). */
const envOf = (user: ReturnType<typeof userHome>) => ({ ...user.env, ...world.env });

function damage(file: string, how: 'truncate' | 'shape' | 'version' | 'directory'): void {
  const text = fs.readFileSync(file, 'utf8');
  if (how === 'truncate') fs.writeFileSync(file, text.slice(0, Math.floor(text.length * 0.6)));
  if (how === 'shape') fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(text), prompts: 'lots' }));
  if (how === 'version') fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(text), version: 9 }));
  if (how === 'directory') {
    fs.rmSync(file);
    fs.mkdirSync(file);
  }
}

describe('a damaged journal never crashes anything', () => {
  test.each(['truncate', 'shape', 'version'] as const)('status lists a %s journal as damaged, with its machine', async (how) => {
    const user = userHome();
    const dir = project();
    const j = await crashedSession(world, dir, user.env);
    const m = j.data.machines[0];
    damage(j.file, how);
    const before = created(world);
    const r = await gpuburst(['status'], dir, envOf(user), 30);
    expect(clean(r)).toBe(true);
    expect(r.status).toBe(EXIT.ok);
    expect(r.out).toContain(`${j.data.id}  damaged`);
    expect(r.out).toContain(`vast ${m.name} (${m.id})`); // by name when the cut fell before the id
    expect(r.out).toMatch(/provider says running/);
    expect(r.out).toMatch({ truncate: /not complete JSON/, shape: /prompts: /, version: /unknown journal version 9/ }[how]);
    expect(created(world)).toBe(before);
  }, 60_000);

  test('status with a journal that is a directory: listed as damaged, exit 0', async () => {
    const user = userHome();
    const dir = project();
    fs.mkdirSync(path.join(dir, '.gpuburst', 'sessions', '20261203-0000-dead.json'), { recursive: true });
    const r = await gpuburst(['status', '--json'], dir, envOf(user), 30);
    expect(clean(r)).toBe(true);
    expect(r.status).toBe(EXIT.ok);
    expect(JSON.parse(r.out).sessions).toEqual([expect.objectContaining({ id: '20261203-0000-dead', status: 'damaged', machines: [] })]);
  }, 60_000);

  test('resume of a truncated journal: one line, exit 2, nothing rented', async () => {
    const user = userHome();
    const dir = project();
    const j = await crashedSession(world, dir, user.env);
    damage(j.file, 'truncate');
    const before = created(world);
    const r = await gpuburst(['resume', j.data.id, '--yes'], dir, envOf(user), 30);
    expect(clean(r)).toBe(true);
    expect(r.status).toBe(EXIT.badInput);
    expect(lastLine(r)).toBe(`session ${j.data.id}: its journal is damaged (not complete JSON (truncated or edited)); gpuburst status shows the machines it names, gpuburst down ${j.data.id} ends them`);
    expect(created(world)).toBe(before);
  }, 60_000);

  test('down of a truncated journal ends the machine it names (confirmed by the provider)', async () => {
    const user = userHome();
    const dir = project();
    const j = await crashedSession(world, dir, user.env);
    const name = j.data.machines[0].name;
    damage(j.file, 'truncate');
    const r = await gpuburst(['down', j.data.id], dir, envOf(user), 60);
    expect(clean(r)).toBe(true);
    expect(r.status).toBe(EXIT.ok);
    expect(r.out).toMatch(new RegExp(`^vast ${name} \\(\\d+\\): terminated`, 'm'));
    expect(simMachine(world, name)!.billing).toBe(false);
    expect(fs.existsSync(`${j.file}.damaged`)).toBe(true);
  }, 90_000);

  test('down of a damaged journal that mentions unpulled outputs needs --force; the machine keeps running', async () => {
    const user = userHome();
    const dir = project();
    const j = await crashedSession(world, dir, user.env);
    j.now((d) => Object.assign(d.prompts[0], { state: 'done', pullFailed: true }));
    damage(j.file, 'version');
    const r = await gpuburst(['down', j.data.id], dir, envOf(user), 30);
    expect(clean(r)).toBe(true);
    expect(r.status).toBe(EXIT.badInput);
    expect(lastLine(r)).toMatch(/its journal is damaged .* mentions outputs still only on a machine; gpuburst down \S+ --force/);
    expect(simMachine(world, j.data.machines[0].name)!.billing).toBe(true);
  }, 60_000);

  test('sweep finds the machine of a damaged journal by its name and --yes ends it', async () => {
    const user = userHome();
    const dir = project();
    const j = await crashedSession(world, dir, user.env);
    const name = j.data.machines[0].name;
    damage(j.file, 'version');
    const r = await gpuburst(['sweep', '--yes'], dir, envOf(user), 60);
    expect(clean(r)).toBe(true);
    expect(r.status).toBe(EXIT.ok);
    expect(r.out).toContain(`${name} (${j.data.machines[0].id})`);
    expect(simMachine(world, name)!.billing).toBe(false);
  }, 90_000);
});

describe('sessions are found from any folder', () => {
  test('status from another folder shows a session started elsewhere', async () => {
    const user = userHome();
    const j = await crashedSession(world, project(), user.env);
    const r = await gpuburst(['status', j.data.id], user.home, envOf(user), 30);
    expect(clean(r)).toBe(true);
    expect(r.status).toBe(EXIT.ok);
    expect(r.out).toMatch(new RegExp(`^${j.data.id}  rendering`));
  }, 60_000);

  test('down from another folder ends it', async () => {
    const user = userHome();
    const j = await crashedSession(world, project(), user.env);
    const r = await gpuburst(['down', j.data.id], os.tmpdir(), envOf(user), 60);
    expect(clean(r)).toBe(true);
    expect(r.status).toBe(EXIT.ok);
    expect(simMachine(world, j.data.machines[0].name)!.billing).toBe(false);
  }, 90_000);

  test('a session registered by another user state dir is not found: one line, exit 2', async () => {
    const owner = userHome();
    const j = await crashedSession(world, project(), owner.env);
    const other = userHome();
    const r = await gpuburst(['down', j.data.id], other.home, envOf(other), 30);
    expect(clean(r)).toBe(true);
    expect(r.status).toBe(EXIT.badInput);
    expect(lastLine(r)).toBe(`no session "${j.data.id}" in this folder or the registered ones; gpuburst status lists them`);
    expect(simMachine(world, j.data.machines[0].name)!.billing).toBe(true);
  }, 60_000);
});

describe('resume confirms, honours the budget and the lock', () => {
  test('without a terminal and without --yes: refused, nothing rented', async () => {
    const user = userHome();
    const dir = project();
    const j = await crashedSession(world, dir, user.env);
    await gpuburst(['down', j.data.id], dir, envOf(user), 60); // the session's machine is gone: a resume would rent
    const before = created(world);
    const r = await gpuburst(['resume', j.data.id], dir, envOf(user), 30);
    expect(clean(r)).toBe(true);
    expect(r.status).toBe(EXIT.badInput);
    expect(lastLine(r)).toBe('refusing to resume without confirmation: pass --yes (nothing was rented)');
    expect(r.err).toMatch(/resuming session \S+: 2 of 2 prompt\(s\) not done/);
    expect(created(world)).toBe(before);
  }, 90_000);

  test('a spent budget: refused naming spent and budget and --max-cost, nothing rented', async () => {
    const user = userHome();
    const dir = project();
    const j = await crashedSession(world, dir, user.env, { maxCostUsd: 0.01 });
    // The machine has billed for an hour by the journal's record.
    j.now((d) => Object.assign(d.machines[0], { createdAt: new Date(Date.now() - 3600_000).toISOString() }));
    const before = created(world);
    const r = await gpuburst(['resume', j.data.id, '--yes'], dir, envOf(user), 30);
    expect(clean(r)).toBe(true);
    expect(r.status).toBe(EXIT.badInput);
    expect(lastLine(r)).toMatch(new RegExp(`^session ${j.data.id}: its budget of \\$0\\.01 is spent \\(\\$[\\d.]+ so far\\); pass --max-cost <more than \\$[\\d.]+> to go on \\(nothing was rented\\)$`));
    expect(created(world)).toBe(before);
  }, 60_000);

  test.each(['abc', '0', '-3'])('--max-cost %s: one line naming it, nothing rented', async (value) => {
    const user = userHome();
    const dir = project();
    const before = created(world);
    const r = await gpuburst(['resume', '20261203-0000-beef', `--max-cost=${value}`, '--yes'], dir, envOf(user), 30);
    expect(clean(r)).toBe(true);
    expect(r.status).toBe(EXIT.badInput);
    expect(lastLine(r)).toBe(`--max-cost: "${value}" is not accepted; accepted: a number > 0 (USD), e.g. 2.5`);
    expect(created(world)).toBe(before);
  }, 30_000);

  test('a session locked by a live process: refused naming its pid and host, nothing rented', async () => {
    const user = userHome();
    const dir = project();
    const j = await crashedSession(world, dir, user.env);
    fs.writeFileSync(path.join(dir, '.gpuburst', 'sessions', `${j.data.id}.lock`), JSON.stringify({ pid: process.pid, host: os.hostname(), since: 'now' }));
    const before = created(world);
    const r = await gpuburst(['resume', j.data.id, '--yes'], dir, envOf(user), 30);
    expect(clean(r)).toBe(true);
    expect(r.status).toBe(EXIT.badInput);
    expect(lastLine(r)).toMatch(new RegExp(`^session ${j.data.id} is owned by process ${process.pid} on ${os.hostname()} \\(since now\\); nothing was rented`));
    expect(created(world)).toBe(before);
  }, 60_000);

  test('a stale lock (its process is gone) is taken over: the resume finishes on the existing machine', async () => {
    const user = userHome();
    const dir = project();
    const j = await crashedSession(world, dir, user.env);
    const lock = path.join(dir, '.gpuburst', 'sessions', `${j.data.id}.lock`);
    fs.writeFileSync(lock, JSON.stringify({ pid: DEAD_PID, host: os.hostname(), since: 'then' }));
    const before = created(world);
    const r = await gpuburst(['resume', j.data.id, '--yes'], dir, envOf(user), 90);
    expect(clean(r)).toBe(true);
    expect(r.status).toBe(EXIT.ok);
    expect(created(world)).toBe(before);
    expect(fs.existsSync(lock)).toBe(false);
    expect(simMachine(world, j.data.machines[0].name)!.billing).toBe(false);
  }, 120_000);

  test('two resumes at once: exactly one rents and runs, the other is refused', async () => {
    const user = userHome();
    const dir = project(40); // long enough that the second starts while the first still runs
    const j = await crashedSession(world, dir, user.env);
    await gpuburst(['down', j.data.id], dir, envOf(user), 60); // its machine is gone: a resume must rent one
    const before = created(world);
    const [a, b] = await Promise.all([gpuburst(['resume', j.data.id, '--yes'], dir, envOf(user), 90), gpuburst(['resume', j.data.id, '--yes'], dir, envOf(user), 90)]);
    expect([a, b].every(clean)).toBe(true);
    expect([a.status, b.status].sort()).toEqual([EXIT.ok, EXIT.badInput]);
    expect(lastLine(a.status === EXIT.ok ? b : a)).toMatch(/is owned by process \d+ on .*; nothing was rented/);
    expect(created(world)).toBe(before + 1);
  }, 120_000);
});

describe('a simulated session stays simulated; down stops a live one', () => {
  test('resume with a real-looking key set and no simulator: runs in its own simulated world, never the real API', async () => {
    const user = userHome();
    const dir = project(1);
    const j = await crashedSession(world, dir, user.env);
    await gpuburst(['down', j.data.id], dir, envOf(user), 60);
    const before = created(world);
    // No simulator URLs: a real resume would call the real Vast API with this key (no network here: it would fail).
    const r = await gpuburst(['resume', j.data.id, '--yes'], dir, { ...user.env, VAST_API_KEY: 'not-a-real-key-0000' }, 120);
    expect(clean(r)).toBe(true);
    expect(r.err).toMatch(/simulated clouds and ComfyUI running in this process/);
    expect(r.status).toBe(EXIT.ok);
    expect(created(world)).toBe(before);
  }, 150_000);

  test('sweep leaves a running session alone; down on it: it stops promptly, the machine ends, billed time is reported', async () => {
    const user = userHome();
    const dir = project(400);
    const runner = gpuburst(['run', 'batch.yaml', '--provider', 'vast', '--yes'], dir, envOf(user), 120);
    const sessions = path.join(dir, '.gpuburst', 'sessions');
    // Wait until the runner holds its lock and its machine is ready.
    let id: string | undefined;
    for (let i = 0; i < 600 && !id; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const lock = fs.existsSync(sessions) ? fs.readdirSync(sessions).find((f) => f.endsWith('.lock')) : undefined;
      const journal = lock && JSON.parse(fs.readFileSync(path.join(sessions, lock.replace('.lock', '.json')), 'utf8'));
      if (journal?.status === 'rendering') id = journal.id;
    }
    expect(id).toBeDefined();
    // From another folder, sweep knows the session is owned (registry + lock) and leaves its machine alone.
    const swept = await gpuburst(['sweep', '--yes'], user.home, envOf(user), 60);
    expect(clean(swept)).toBe(true);
    expect(swept.out).not.toContain(id!);
    expect(world.sims.flatMap((s) => s.state().machines).filter((m) => m.name.includes(id!)).map((m) => m.billing)).toEqual([true]);
    const down = await gpuburst(['down', id!], user.home, envOf(user), 60);
    const ran = await runner;
    expect([clean(down), clean(ran)]).toEqual([true, true]);
    expect(down.status).toBe(EXIT.ok);
    expect(down.out).toMatch(/: terminated, billed \d+ s/);
    expect(ran.status).toBe(EXIT.interrupted);
    expect(ran.err).toMatch(/gpuburst down \(process \d+\) asked this session to stop: interrupting what runs, pulling what is done, ending its machines/);
    expect(JSON.parse(fs.readFileSync(path.join(sessions, `${id}.json`), 'utf8'))).toMatchObject({ status: 'stopped', message: 'ended with gpuburst down' });
    const machines = world.sims.flatMap((s) => s.state().machines).filter((m) => m.name.includes(id!));
    expect(machines.map((m) => m.billing)).toEqual([false]);
  }, 150_000);
});
