/**
 * What `--no-remote-key` leaves on the machine, as docs/safety.md states it: on Paperspace the account key is not in
 * the machine's startup script and Paperspace's own auto-shutdown is armed instead (it only powers off); on Lambda
 * the machine has no watchdog at all. With the key handed over, Paperspace's startup script does carry it (the
 * documented risk) and the watchdog is armed.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { readBootstrapEnv } from '../../src/sim/common/bootstrap-env';
import { runSession, RunSessionOptions } from '../../src/session/session';
import type { SessionEvent } from '../../src/session/events';
import { Journal } from '../../src/session/journal';
import { startWorld, World } from '../../src/sim/world';

const FAST = { readyTimeoutSeconds: 30, modelsTimeoutSeconds: 30, pollSeconds: 0.1, heartbeatMs: 300, agentPollSeconds: 0.3, confirmSeconds: 10 };

let world: World;
beforeAll(async () => {
  world = await startWorld({ providers: ['lambda', 'paperspace'], timings: { provisionMs: 50, bootMs: 100, comfyStartMs: 50, stopMs: 50 }, comfy: { msPerStep: 10 } });
});
afterAll(async () => {
  await world.close();
});

function session(provider: 'lambda' | 'paperspace', remoteKey: boolean, onReady: (machineId: string) => void): RunSessionOptions {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `gpuburst-remote-key-${provider}-`));
  fs.copyFileSync(path.join(__dirname, '..', '..', 'examples', 'sd15-txt2img.api.json'), path.join(dir, 'wf.json'));
  fs.writeFileSync(path.join(dir, 'b.yaml'), 'output: out\nmodels:\n  - url: https://huggingface.co/x/v1-5-pruned-emaonly-fp16.safetensors\n    folder: checkpoints\nworkflows:\n  - path: wf.json\n    repeat: 4\n    seeds: increment\n');
  return {
    batchFile: path.join(dir, 'b.yaml'), provider, pods: 1, teardown: 'terminate', idleMinutes: 10, heartbeatMinutes: 10, remoteKey, comfyUrls: [],
    stateDir: path.join(dir, '.gpuburst'), cwd: dir, env: { ...world.env }, confirm: async () => true, timings: FAST,
    emit: (e: SessionEvent) => {
      if (e.type === 'machine' && e.state === 'ready' && e.id) onReady(e.id);
    },
  };
}

/** Paperspace's view of the machine, read while it runs. */
async function paperspaceMachine(id: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${world.env.GPUBURST_PAPERSPACE_API_URL}/machines/${id}`, { headers: { authorization: `Bearer ${world.env.PAPERSPACE_API_KEY}` } });
  return (await res.json()) as Record<string, unknown>;
}

/** Bodies of the startup scripts gpuburst sends (the API never shows a script's text back). */
function captureStartupScripts(): string[] {
  const bodies: string[] = [];
  const sim = world.sims.find((s) => s.provider === 'paperspace')!;
  (sim.server as unknown as { server: import('http').Server }).server.prependListener('request', (req) => {
    if (req.method !== 'POST' || !/\/startup-scripts$/.test(req.url ?? '')) return;
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => bodies.push(body));
  });
  return bodies;
}

test.each([true, false])('paperspace, remote key %s: the key in the startup script only when handed over; auto-shutdown armed', async (remoteKey) => {
  let seen: Promise<Record<string, unknown>> | undefined;
  const scripts = captureStartupScripts();
  const o = session('paperspace', remoteKey, (id) => (seen = paperspaceMachine(id)));
  const report = await runSession(o);
  expect(report.status).toBe('done');
  const machine = await seen!;
  expect(scripts).toHaveLength(1);
  // The machine's environment travels base64-encoded in the script; decoded, it holds the key only when handed over.
  const env = readBootstrapEnv((JSON.parse(scripts[0]) as { script: string }).script)!;
  expect(Object.values(env).includes(world.env.PAPERSPACE_API_KEY)).toBe(remoteKey);
  expect(machine).toMatchObject({ autoShutdownEnabled: true, autoShutdownTimeout: expect.any(Number) });
  const journal = Journal.load(o.stateDir, report.sessionId)!.data;
  expect(journal.machines[0].watchdog).toMatchObject({ armed: remoteKey, via: remoteKey ? 'account-key' : 'none' });
  fs.rmSync(o.cwd, { recursive: true, force: true });
}, 60_000);

test('lambda without a remote key: no watchdog; the session still ends the machine itself', async () => {
  const o = session('lambda', false, () => undefined);
  const report = await runSession(o);
  expect(report.machines.map((m) => m.result)).toEqual(['terminated']);
  const journal = Journal.load(o.stateDir, report.sessionId)!.data;
  expect(journal.machines[0].watchdog).toMatchObject({ armed: false, via: 'none' });
  expect(world.sims.flatMap((s) => s.state().machines.filter((m) => m.billing))).toEqual([]);
  fs.rmSync(o.cwd, { recursive: true, force: true });
}, 60_000);
