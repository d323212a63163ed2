/**
 * Hostile conditions while running, classes 2, 3 and 5: silent and stalling servers (every wait bounded), a stalled
 * session, ComfyUI rejecting prompts, pods capped by prompts, and signals. Each case runs the built CLI with a hard
 * kill timer, and checks the exit code, the last line, what was rented (simulator state) and the journal.
 */
import fs from 'fs';
import http from 'http';
import type { AddressInfo } from 'net';
import path from 'path';
import { ComfySim, startComfySim } from '../../src/sim/comfyui';
import { startWorld, World } from '../../src/sim/world';
import { BadServer, badServer, batch, expectEnded, gpuburst, when, workspace } from './support';

const SD15 = { checkpoints: ['v1-5-pruned-emaonly-fp16.safetensors'] };
const servers: { close(): Promise<void> }[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function bad(mode: Parameters<typeof badServer>[0]): Promise<BadServer> {
  const s = await badServer(mode);
  servers.push(s);
  return s;
}

async function comfy(msPerStep: number): Promise<ComfySim> {
  const sim = await startComfySim({ msPerStep, models: SD15 });
  servers.push(sim);
  return sim;
}

/** A ComfyUI that answers POST /prompt with a validation error for the prompts `reject(n)` picks (n counts from 1). */
async function rejectingComfy(reject: (n: number) => boolean): Promise<{ url: string; posts: () => number }> {
  const sim = await comfy(5);
  const target = new URL(sim.url);
  let posts = 0;
  const server = http.createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/prompt' && reject(++posts)) {
      req.resume();
      const body = { error: { type: 'prompt_outputs_failed_validation', message: 'Prompt outputs failed validation', details: '' }, node_errors: { '3': { errors: [{ type: 'value_not_in_list', message: 'Value not in list', details: 'sampler_name: bogus' }], class_type: 'KSampler' } } };
      return void res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    }
    const up = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    req.pipe(up);
  });
  server.on('upgrade', (req, socket) => {
    // The websocket goes straight to the simulator.
    const up = http.request({ host: target.hostname, port: target.port, path: req.url, headers: req.headers });
    up.on('upgrade', (r, upSocket) => {
      socket.write(`HTTP/1.1 101 Switching Protocols\r\n${Object.entries(r.headers).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`);
      upSocket.pipe(socket).pipe(upSocket);
      socket.on('error', () => upSocket.destroy());
      upSocket.on('error', () => socket.destroy());
    });
    up.on('error', () => socket.destroy());
    up.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push({ close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))) });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, posts: () => posts };
}

function journal(cwd: string): { status: string; message?: string; machines: { name: string; state: string }[] } {
  const dir = path.join(cwd, '.gpuburst', 'sessions');
  const [file] = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));
  return JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
}

describe('class 2: every network wait is bounded', () => {
  const runpodAt = (url: string) => ({ RUNPOD_API_KEY: 'rpa_hostile', GPUBURST_RUNPOD_API_URL: url, GPUBURST_RUNPOD_TIMEOUT_MS: '800' });

  test.concurrent.each([
    ['offers: provider API never answers', 'silent', ['offers', '--provider', 'runpod']],
    ['offers: provider API stalls in the body', 'stalled-body', ['offers', '--provider', 'runpod']],
    ['run: provider API never answers', 'silent', ['run', 'b.yaml', '--provider', 'runpod', '--yes']],
    ['run: provider API stalls in the body', 'stalled-body', ['run', 'b.yaml', '--provider', 'runpod', '--yes']],
  ] as const)('%s: bounded, one line (run: exit 5; offers: catalog rows, exit 0)', async (_name, mode, args) => {
    const server = await bad(mode);
    const cwd = workspace({ 'b.yaml': batch() });
    const r = await gpuburst([...args], { cwd, env: runpodAt(server.url), killMs: 25_000 });
    expect(server.connections()).toBeGreaterThan(0);
    if (args[0] === 'offers') {
      // offers falls back to the catalog for a cloud that failed: exit 0, rows marked with the catalog's date, and a
      // warning naming the wait that ran out.
      expect({ killed: r.killed, status: r.status }).toEqual({ killed: false, status: 0 });
      expect(r.out).toMatch(/runpod .*catalog \d{4}-\d{2}-\d{2}/);
      expect(r.err).toMatch(/warning: runpod: live offers failed \(ERR_TRANSIENT\): runpod: .*(no answer from|did not finish its answer).* within .*its catalog rows are shown instead/);
    } else expectEnded(r, 5, /runpod: .*(no answer from|did not finish its answer).* within/);
    fs.rmSync(cwd, { recursive: true, force: true });
  }, 30_000);

  test.concurrent.each([
    ['never answers', 'silent', /no answer from 127\.0\.0\.1:\d+ within 1 s/],
    ['stalls in the body', 'stalled-body', /did not finish its answer within 1 s/],
    ['upgrades a websocket and goes quiet', 'quiet-websocket', /no answer from 127\.0\.0\.1:\d+ within 1 s/],
  ] as const)('run --provider local: a ComfyUI that %s ends with exit 5 in bounded time', async (_name, mode, says) => {
    const server = await bad(mode);
    const cwd = workspace({ 'b.yaml': batch() });
    const r = await gpuburst(['run', 'b.yaml', '--provider', 'local', '--comfy-url', server.url, '--yes'], { cwd, env: { GPUBURST_LOCAL_TIMEOUT_MS: '1000' }, killMs: 20_000 });
    expectEnded(r, 5, says);
    expect(fs.existsSync(path.join(cwd, '.gpuburst'))).toBe(false); // refused while planning: no session
    fs.rmSync(cwd, { recursive: true, force: true });
  }, 30_000);

  test.concurrent.each([
    ['never answers', 'silent', /^gpuburst: no ComfyUI answers at http:\/\/127\.0\.0\.1:\d+: comfyui: no answer from 127\.0\.0\.1:\d+ within 1 s \(GET \/system_stats\)$/],
    ['stalls in the body', 'stalled-body', /^gpuburst: no ComfyUI answers at http:\/\/127\.0\.0\.1:\d+: .*did not finish its answer within 1 s/],
  ] as const)('workflow validate --server: a ComfyUI that %s ends with exit 5 within one local deadline', async (_name, mode, says) => {
    const server = await bad(mode);
    const cwd = workspace();
    // The kill timer stands for "bounded": before the probe, /object_info's two 120 s waits ran into it.
    const r = await gpuburst(['workflow', 'validate', 'wf.json', '--server', server.url], { cwd, env: { GPUBURST_LOCAL_TIMEOUT_MS: '1000' }, killMs: 20_000 });
    expectEnded(r, 5, says);
    fs.rmSync(cwd, { recursive: true, force: true });
  }, 30_000);

  test.concurrent.each([
    ['run --provider local', (url: string) => ['run', 'b.yaml', '--provider', 'local', '--comfy-url', url, '--yes']],
    ['workflow validate --server', (url: string) => ['workflow', 'validate', 'wf.json', '--server', url]],
  ] as const)('%s: a bad GPUBURST_LOCAL_TIMEOUT_MS is refused by name before the server is asked', async (_name, args) => {
    const server = await bad('silent');
    const cwd = workspace({ 'b.yaml': batch() });
    const r = await gpuburst(args(server.url), { cwd, env: { GPUBURST_LOCAL_TIMEOUT_MS: 'abc' }, killMs: 20_000 });
    expectEnded(r, 2, /^gpuburst: local: GPUBURST_LOCAL_TIMEOUT_MS="abc" is not accepted; expected a number >= 1$/);
    expect(server.connections()).toBe(0);
    expect(fs.existsSync(path.join(cwd, '.gpuburst'))).toBe(false);
    fs.rmSync(cwd, { recursive: true, force: true });
  }, 30_000);

  test('Ctrl-C while a silent ComfyUI is being asked: gpuburst leaves at once, nothing started', async () => {
    const server = await bad('silent');
    const cwd = workspace({ 'b.yaml': batch() });
    const r = await gpuburst(['run', 'b.yaml', '--provider', 'local', '--comfy-url', server.url, '--yes'], {
      cwd,
      killMs: 15_000,
      onSpawn: when(() => server.connections() > 0, (child) => child.kill('SIGINT')),
    });
    expect(r.killed).toBe(false);
    expect(r.status).not.toBe(70);
    expect(r.err).toMatch(/interrupt: stopping/);
    expect(fs.existsSync(path.join(cwd, '.gpuburst'))).toBe(false);
    fs.rmSync(cwd, { recursive: true, force: true });
  }, 30_000);

  test('stall guard: machines that finish nothing for stallSeconds end the session, exit 1, the stall named', async () => {
    const sim = await comfy(1_000_000);
    const cwd = workspace({ 'b.yaml': batch(3) });
    const r = await gpuburst(['run', 'b.yaml', '--provider', 'local', '--comfy-url', sim.url, '--yes'], { cwd, env: { GPUBURST_SESSION_TIMINGS: '{"stallSeconds":2}' }, killMs: 25_000 });
    // The report is on stdout: its last line says what went wrong.
    expectEnded({ ...r, err: r.out }, 1, /ended: the machines made no progress for the stall window/);
    expect(r.err).toMatch(/stalled: no prompt finished and no step was made for \d+ s/);
    expect(r.out).toMatch(/session \S+: failed/);
    expect(journal(cwd).status).toBe('failed');
    fs.rmSync(cwd, { recursive: true, force: true });
  }, 30_000);

  test('a prompt longer than the stall window that keeps stepping is not a stall (a long video render)', async () => {
    // 20 steps of 200 ms: each prompt takes 4 s, twice the window; steps come every 200 ms.
    const sim = await comfy(200);
    const cwd = workspace({ 'b.yaml': batch(2) });
    const r = await gpuburst(['run', 'b.yaml', '--provider', 'local', '--comfy-url', sim.url, '--yes'], { cwd, env: { GPUBURST_SESSION_TIMINGS: '{"stallSeconds":2}' }, killMs: 40_000 });
    expect({ status: r.status, err: r.err }).toMatchObject({ status: 0 });
    expect(r.err).not.toMatch(/stalled/);
    expect(journal(cwd).status).toBe('done');
    fs.rmSync(cwd, { recursive: true, force: true });
  }, 50_000);
});

describe('class 5: the outcome is honest', () => {
  test('every prompt rejected: queueing stops after the first 3, the reason said once, failed, exit 1, no image counted', async () => {
    const comfyUi = await rejectingComfy(() => true);
    const cwd = workspace({ 'b.yaml': batch(12) });
    const r = await gpuburst(['run', 'b.yaml', '--provider', 'local', '--comfy-url', comfyUi.url, '--yes'], { cwd, killMs: 25_000 });
    expectEnded({ ...r, err: r.out }, 1, /stopped queueing: the first 3 prompts all failed/);
    expect(comfyUi.posts()).toBeLessThanOrEqual(5);
    expect(r.out).toMatch(/session \S+: failed/);
    expect(r.out).toMatch(/images: 0 \(0\/12 prompts done, 3 failed, 9 not run\)/);
    expect(r.out.match(/^failed: /gm)).toHaveLength(1);
    expect(r.err.match(/prompt \S+ failed: /g)).toHaveLength(1);
    fs.rmSync(cwd, { recursive: true, force: true });
  }, 30_000);

  test('some prompts rejected: partial, exit 1, failed prompts not counted as images', async () => {
    const comfyUi = await rejectingComfy((n) => n === 2);
    const cwd = workspace({ 'b.yaml': batch(3) });
    const r = await gpuburst(['run', 'b.yaml', '--provider', 'local', '--comfy-url', comfyUi.url, '--yes'], { cwd, killMs: 25_000 });
    expect(r.killed).toBe(false);
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/session \S+: partial/);
    expect(r.out).toMatch(/images: 2 \(2\/3 prompts done, 1 failed\)/);
    expect(journal(cwd).status).toBe('partial');
    fs.rmSync(cwd, { recursive: true, force: true });
  }, 30_000);
});

test('an output folder that links out of the project is followed, and the plan says where images go', async () => {
  const sim = await comfy(5);
  const cwd = workspace({ 'b.yaml': batch(2) });
  const elsewhere = fs.mkdtempSync(path.join(path.dirname(cwd), 'gpuburst-elsewhere-'));
  fs.symlinkSync(elsewhere, path.join(cwd, 'out'));
  const r = await gpuburst(['run', 'b.yaml', '--provider', 'local', '--comfy-url', sim.url, '--yes'], { cwd, killMs: 25_000 });
  expect({ killed: r.killed, status: r.status }).toEqual({ killed: false, status: 0 });
  expect(r.err).toContain(`is a link: images go to ${fs.realpathSync(elsewhere)}`);
  expect(r.out).toContain(`in ${fs.realpathSync(elsewhere)}`);
  expect(fs.readdirSync(elsewhere, { recursive: true }).filter((f) => String(f).endsWith('.png'))).toHaveLength(2);
  fs.rmSync(cwd, { recursive: true, force: true });
  fs.rmSync(elsewhere, { recursive: true, force: true });
}, 30_000);

describe('class 3 and signals: against a simulated RunPod', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld({ providers: ['runpod'], comfy: { msPerStep: 200 }, timings: { provisionMs: 50, bootMs: 100, comfyStartMs: 50, stopMs: 50 } });
  });
  afterAll(async () => {
    await world.close();
  });
  const machinesOf = (session: string) => world.sims[0].state().machines.filter((m) => m.name.includes(session));
  const sessionOf = (cwd: string) => path.basename(fs.readdirSync(path.join(cwd, '.gpuburst', 'sessions'))[0], '.json');

  test('--pods 20 for 3 prompts rents 3 and says so', async () => {
    const cwd = workspace({ 'b.yaml': batch(3) });
    const r = await gpuburst(['run', 'b.yaml', '--provider', 'runpod', '--pods', '20', '--yes'], { cwd, env: { ...world.env, GPUBURST_SESSION_TIMINGS: '{"pollSeconds":0.1}' }, killMs: 60_000 });
    expect(r.err).toMatch(/20 pods asked for 3 prompt\(s\): renting 3/);
    expect({ killed: r.killed, status: r.status }).toEqual({ killed: false, status: 0 });
    const rented = machinesOf(sessionOf(cwd));
    expect(rented).toHaveLength(3);
    expect(rented.every((m) => m.status === 'TERMINATED')).toBe(true);
    fs.rmSync(cwd, { recursive: true, force: true });
  }, 70_000);

  test('a second SIGTERM leaves at once: exit 130, the journal names the machines still up, down ends them', async () => {
    const cwd = workspace({ 'b.yaml': batch(12) });
    const r = await gpuburst(['run', 'b.yaml', '--provider', 'runpod', '--yes'], {
      cwd,
      env: world.env,
      killMs: 60_000,
      onSpawn: when(
        (output) => /rendering/.test(output),
        (child) => {
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGTERM'), 100);
        },
      ),
    });
    expect({ killed: r.killed, status: r.status }).toEqual({ killed: false, status: 130 });
    expect(r.err).toMatch(/SIGTERM again: leaving now/);
    const j = journal(cwd);
    expect(j.status).toBe('interrupted');
    expect(j.message).toMatch(new RegExp(`may still bill: runpod ${j.machines[0].name}.*gpuburst down ${sessionOf(cwd)}`));
    const down = await gpuburst(['down', sessionOf(cwd)], { cwd, env: world.env, killMs: 30_000 });
    expect(down.status).toBe(0);
    expect(machinesOf(sessionOf(cwd)).every((m) => m.status === 'TERMINATED')).toBe(true);
    fs.rmSync(cwd, { recursive: true, force: true });
  }, 90_000);

  test('one SIGINT while rendering: what is done is pulled, the machine terminated, exit 130', async () => {
    const cwd = workspace({ 'b.yaml': batch(12) });
    const r = await gpuburst(['run', 'b.yaml', '--provider', 'runpod', '--yes'], {
      cwd,
      env: world.env,
      killMs: 60_000,
      onSpawn: when((output) => /rendering/.test(output), (child) => child.kill('SIGINT')),
    });
    expect({ killed: r.killed, status: r.status }).toEqual({ killed: false, status: 130 });
    expect(r.err).toMatch(/interrupt: stopping/);
    expect(r.out).toMatch(/session \S+: interrupted/);
    expect(machinesOf(sessionOf(cwd)).every((m) => m.status === 'TERMINATED')).toBe(true);
    fs.rmSync(cwd, { recursive: true, force: true });
  }, 70_000);
});
