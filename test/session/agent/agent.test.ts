/**
 * The real agent (python3) against a fake provider API and a fake ComfyUI queue: each dead-man's-switch rule fires,
 * and a live heartbeat keeps the machine alive. Model placement downloads, checks sha256 and reports in status.json.
 */
import crypto from 'crypto';
import fs from 'fs';
import http from 'http';
import os from 'os';
import path from 'path';
import type { AddressInfo } from 'net';
import { agentEnv, AgentSettings } from '../../../src/session/agent/config';
import { agentLauncher } from '../../../src/sim/common/agent-launcher';
import type { KillSwitch } from '../../../providers/types';

interface Recorded {
  method: string;
  url: string;
  auth?: string;
  body: string;
}

async function server(handler: (req: http.IncomingMessage, body: string, res: http.ServerResponse) => void) {
  const srv = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => handler(req, body, res));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`, close: () => new Promise<void>((r) => srv.close(() => r())) };
}

const base: AgentSettings = { heartbeatMinutes: 0.02, idleMinutes: 0.02, maxLifetimeMinutes: 60, usdPerHour: 1, billedBeforeStartSeconds: 0, pollSeconds: 0.1, models: [] };

describe('machine agent (python3)', () => {
  let api: Awaited<ReturnType<typeof server>>;
  let comfy: Awaited<ReturnType<typeof server>>;
  let calls: Recorded[];
  let queueBusy: boolean;
  let dir: string;
  const stops: (() => Promise<void>)[] = [];

  beforeEach(async () => {
    calls = [];
    queueBusy = false;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-agent-'));
    api = await server((req, body, res) => {
      calls.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, body });
      if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ data: [{ id: 'other', name: 'gpuburst-x-other' }, { id: 'i-42', name: 'gpuburst-x-mine' }] }));
      }
      res.writeHead(204);
      res.end();
    });
    comfy = await server((req, _b, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ queue_running: queueBusy ? [[0, 'p']] : [], queue_pending: [] }));
    });
  });

  afterEach(async () => {
    for (const s of stops.splice(0)) await s();
    await api.close();
    await comfy.close();
  });

  const podKill = (): KillSwitch => ({
    env: { GPUBURST_API_URL: api.url },
    terminate: { method: 'DELETE', url: '${GPUBURST_API_URL}/v2/pods/${RUNPOD_POD_ID}', headers: { Authorization: 'Bearer ${RUNPOD_API_KEY}' } },
  });

  async function start(settings: Partial<AgentSettings>, kill: KillSwitch | undefined, extraEnv: Record<string, string> = {}, machineName = 'gpuburst-x-mine') {
    const launch = agentLauncher({ dirsFor: () => ({ input: path.join(dir, 'input'), models: path.join(dir, 'models') }), downloadProxy: extraEnv.PROXY, logDir: dir });
    const env = { ...agentEnv({ ...base, ...settings }, machineName, kill), RUNPOD_POD_ID: 'pod-7', RUNPOD_API_KEY: 'pod-scoped-key', WEB_TOKEN: 'tok' };
    const running = await launch({ provider: 'runpod', machineId: 'pod-7', name: machineName, env, comfyUrl: comfy.url, token: 'tok' });
    stops.push(() => running!.stop());
    return running!;
  }

  const beat = (seq: number, extra: object = {}) => {
    fs.mkdirSync(path.join(dir, 'input', 'gpuburst'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'input', 'gpuburst', 'heartbeat.json'), JSON.stringify({ seq, ...extra }));
  };
  const status = () => JSON.parse(fs.readFileSync(path.join(dir, 'input', 'gpuburst', 'status.json'), 'utf8'));
  const waitFor = async (cond: () => boolean, ms = 8000) => {
    const end = Date.now() + ms;
    while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    return cond();
  };

  test('no heartbeat at all: terminates its own pod with the pod-scoped key', async () => {
    await start({}, podKill());
    expect(await waitFor(() => calls.some((c) => c.method === 'DELETE'))).toBe(true);
    expect(calls[0]).toMatchObject({ method: 'DELETE', url: '/v2/pods/pod-7', auth: 'Bearer pod-scoped-key' });
    expect(status().terminating).toMatch(/no heartbeat/);
  });

  test('a live heartbeat keeps the machine; silence then ends it', async () => {
    await start({ heartbeatMinutes: 0.03 }, podKill());
    let seq = 0;
    const timer = setInterval(() => beat(++seq), 200);
    await new Promise((r) => setTimeout(r, 3000));
    clearInterval(timer);
    expect(calls).toHaveLength(0);
    expect(await waitFor(() => calls.length > 0)).toBe(true);
  });

  test('VM style: finds its own id by name, then terminates with a body', async () => {
    const kill: KillSwitch = {
      env: { GPUBURST_API_URL: api.url, GPUBURST_REMOTE_KEY: 'acct-key' },
      lookup: { url: '${GPUBURST_API_URL}/instances', headers: { Authorization: 'Bearer ${GPUBURST_REMOTE_KEY}' }, listPath: 'data', nameField: 'name', idField: 'id' },
      terminate: { method: 'POST', url: '${GPUBURST_API_URL}/instance-operations/terminate', headers: { Authorization: 'Bearer ${GPUBURST_REMOTE_KEY}' }, body: '{"instance_ids":["${MACHINE_ID}"]}' },
    };
    await start({}, kill);
    expect(await waitFor(() => calls.some((c) => c.method === 'POST'))).toBe(true);
    const post = calls.find((c) => c.method === 'POST')!;
    expect(JSON.parse(post.body)).toEqual({ instance_ids: ['i-42'] });
    expect(post.auth).toBe('Bearer acct-key');
  });

  test('VM style with a shortened name: looks up the name the provider stores (Lambda keeps 64 characters)', async () => {
    const kill: KillSwitch = {
      env: { GPUBURST_API_URL: api.url, GPUBURST_REMOTE_KEY: 'acct-key' },
      lookup: { url: '${GPUBURST_API_URL}/instances', headers: { Authorization: 'Bearer ${GPUBURST_REMOTE_KEY}' }, listPath: 'data', nameField: 'name', idField: 'id', name: 'gpuburst-x-mine' },
      terminate: { method: 'POST', url: '${GPUBURST_API_URL}/instance-operations/terminate', headers: { Authorization: 'Bearer ${GPUBURST_REMOTE_KEY}' }, body: '{"instance_ids":["${MACHINE_ID}"]}' },
    };
    await start({}, kill, {}, `gpuburst-x-mine-${'y'.repeat(70)}`);
    expect(await waitFor(() => calls.some((c) => c.method === 'POST'))).toBe(true);
    expect(JSON.parse(calls.find((c) => c.method === 'POST')!.body)).toEqual({ instance_ids: ['i-42'] });
  });

  test('budget reached: terminates although the client is alive', async () => {
    beat(1);
    await start({ heartbeatMinutes: 10, usdPerHour: 3600, budgetUsd: 1.5 }, podKill());
    let seq = 1;
    const timer = setInterval(() => beat(++seq), 100);
    expect(await waitFor(() => calls.length > 0)).toBe(true);
    clearInterval(timer);
    expect(status().terminating).toMatch(/budget/);
  });

  test('the lifetime cap ends a machine whose client still beats', async () => {
    await start({ heartbeatMinutes: 10, maxLifetimeMinutes: 0.02 }, podKill());
    let seq = 0;
    const timer = setInterval(() => beat(++seq), 100);
    expect(await waitFor(() => calls.length > 0)).toBe(true);
    clearInterval(timer);
    expect(status().terminating).toMatch(/^maximum lifetime of 0\.0 min reached$/);
  });

  test('beats that say prompts are ending push the cap from each beat, never past the ceiling', async () => {
    const t0 = Date.now();
    // Cap 1.2 s, ceiling 3.6 s; each beat asks for 1.2 s more from itself.
    await start({ heartbeatMinutes: 10, maxLifetimeMinutes: 0.02, lifetimeCeilingMinutes: 0.06 }, podKill());
    let seq = 0;
    const timer = setInterval(() => beat(++seq, { lifetimeLeftMinutes: 0.02 }), 100);
    expect(await waitFor(() => calls.length > 0)).toBe(true);
    clearInterval(timer);
    const endedAfterMs = Date.now() - t0;
    expect(endedAfterMs).toBeGreaterThanOrEqual(3400);
    expect(status().terminating).toBe('maximum lifetime of 0.1 min reached');
  });

  test('a pushed cap holds once beats stop asking, then ends the machine', async () => {
    const t0 = Date.now();
    beat(1, { lifetimeLeftMinutes: 0.04 }); // 2.4 s from when the agent reads it, well past the 0.6 s cap
    await start({ heartbeatMinutes: 10, maxLifetimeMinutes: 0.01, lifetimeCeilingMinutes: 60 }, podKill());
    // The agent has looked at its beats once (on a loaded machine it starts well after start() returns).
    expect(await waitFor(() => fs.existsSync(path.join(dir, 'input', 'gpuburst', 'status.json')) && status().lastBeatAgeSeconds !== null)).toBe(true);
    let seq = 1;
    const timer = setInterval(() => beat(++seq), 100); // alive, but no longer asking
    expect(await waitFor(() => calls.length > 0)).toBe(true);
    clearInterval(timer);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2200);
    expect(status().terminating).toMatch(/^maximum lifetime of 0\.\d min reached$/);
  });

  test('idle after the batch: terminates only once the queue is empty long enough', async () => {
    queueBusy = true;
    await start({ heartbeatMinutes: 10, idleMinutes: 0.02 }, podKill());
    let seq = 0;
    const timer = setInterval(() => beat(++seq, { batchDone: true }), 100);
    await new Promise((r) => setTimeout(r, 2000));
    expect(calls).toHaveLength(0);
    queueBusy = false;
    expect(await waitFor(() => calls.length > 0)).toBe(true);
    clearInterval(timer);
    expect(status().terminating).toMatch(/idle/);
  });

  test('places models through the download stand-in and checks sha256', async () => {
    const content = crypto.randomBytes(300_000);
    const sha = crypto.createHash('sha256').update(content).digest('hex');
    const cdn = await server((req, _b, res) => {
      res.writeHead(200);
      res.end(content);
    });
    try {
      await start(
        {
          heartbeatMinutes: 10,
          models: [
            { name: 'good.safetensors', folder: 'checkpoints', url: 'https://huggingface.co/x/good.safetensors', sha256: sha },
            { name: 'bad.safetensors', folder: 'loras', url: 'https://huggingface.co/x/bad.safetensors', sha256: '0'.repeat(64) },
          ],
        },
        podKill(),
        { PROXY: cdn.url },
      );
      expect(await waitFor(() => fs.existsSync(path.join(dir, 'input', 'gpuburst', 'status.json')) && Object.values(status().models).every((m: any) => m.state !== 'downloading') && Object.keys(status().models).length === 2)).toBe(true);
      expect(fs.readFileSync(path.join(dir, 'models', 'checkpoints', 'good.safetensors')).equals(content)).toBe(true);
      expect(status().models['loras/bad.safetensors']).toMatchObject({ state: 'failed' });
      expect(fs.existsSync(path.join(dir, 'models', 'loras', 'bad.safetensors'))).toBe(false);
      expect(calls).toHaveLength(0);
    } finally {
      await cdn.close();
    }
  });
});
