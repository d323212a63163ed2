/**
 * Endpoint access: for every provider, a machine built from the provider's default template (src/session/templates.ts
 * through buildSpec, agent included) is created on the simulator, and its ComfyUI is asked for through the endpoint
 * the adapter reports — RunPod's proxy URL, Vast's mapped port, Lambda's and Paperspace's public IP. Without the
 * session's token (or with a wrong one) every route, the websocket included, is refused; with it, ComfyUI answers.
 * On Lambda, a firewall that admits only the user's address also drops a caller from anywhere else.
 */
import crypto from 'crypto';
import http from 'http';
import WebSocket from 'ws';
import { configFromEnv, createProvider } from '../../providers';
import { CLOUD_PROVIDERS, CloudProviderName, Machine, Offer, Provider } from '../../providers/types';
import type { AgentSettings } from '../../src/session/agent/config';
import { buildSpec } from '../../src/session/spec';
import { TEMPLATES } from '../../src/session/templates';
import { startWorld, World } from '../../src/sim/world';

const AGENT: AgentSettings = { heartbeatMinutes: 30, idleMinutes: 30, maxLifetimeMinutes: 60, usdPerHour: 1, billedBeforeStartSeconds: 0, pollSeconds: 1, models: [] };

let world: World;
beforeAll(async () => {
  world = await startWorld({ timings: { provisionMs: 50, bootMs: 100, comfyStartMs: 50, stopMs: 50 } });
});
afterAll(async () => {
  await world.close();
});

/** Status and body of one request; `localAddress` makes the call come from another loopback address. */
function get(url: string, headers: Record<string, string> = {}, localAddress?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, localAddress, timeout: 1500 }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('no answer'), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
  });
}

function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

/** Whether the websocket opens (true) or which status refused the upgrade. */
function websocket(url: string, headers: Record<string, string> = {}): Promise<true | number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws?clientId=endpoint-test`, { headers, followRedirects: false });
    ws.on('open', () => {
      ws.close();
      resolve(true);
    });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('error', reject);
  });
}

const refused = (status: number) => status === 401 || status === 403 || (status >= 300 && status < 400);
const ENDPOINT_SHAPE: Record<CloudProviderName, (m: Machine, env: Record<string, string>) => RegExp> = {
  runpod: (m, env) => new RegExp(`^${env.GPUBURST_RUNPOD_API_URL}/proxy/${m.id}-8188$`),
  vast: () => /^http:\/\/127\.0\.0\.1:\d+$/,
  lambda: () => /^http:\/\/127\.\d+\.\d+\.\d+:\d+$/,
  paperspace: () => /^http:\/\/127\.\d+\.\d+\.\d+:\d+$/,
};

async function createFromTemplate(provider: Provider, p: CloudProviderName, token: string, env: Record<string, string>): Promise<Machine> {
  const offers = await provider.listOffers({ interruptible: false });
  const offer: Offer = offers.filter((o) => o.available).sort((a, b) => a.usdPerHour - b.usdPerHour)[0];
  const name = `gpuburst-20990101-0000-beef-0${crypto.randomBytes(2).toString('hex')}`;
  const caps = provider.capabilities().selfTerminate;
  const killSwitch = caps.via === 'machine-scoped-key' ? provider.killSwitch({ name }) : provider.killSwitch({ name, remoteKey: env[`${p.toUpperCase()}_API_KEY`] });
  const spec = buildSpec({ provider: p, offer, sessionId: '20990101-0000-beef', name, token, agent: AGENT, killSwitch });
  expect(spec.image).toBe(TEMPLATES[p].image);
  expect(spec.env[TEMPLATES[p].tokenEnv]).toBe(token);
  const created = await provider.createMachine({ spec });
  return provider.waitUntilReady({ id: created.id, probe: async (e) => (await get(`${e}/system_stats`, { authorization: `Bearer ${token}` })).status === 200, timeoutSeconds: 20, pollSeconds: 0.05 });
}

describe.each(CLOUD_PROVIDERS.map((p) => [p] as const))('%s default template', (p) => {
  let provider: Provider;
  let machine: Machine;
  const token = crypto.randomBytes(20).toString('hex');

  beforeAll(async () => {
    provider = createProvider(p, configFromEnv(p, world.env));
    machine = await createFromTemplate(provider, p, token, world.env);
  }, 30_000);
  afterAll(async () => {
    await provider.terminateMachine({ id: machine.id });
  });

  test('the endpoint is the one the provider exposes, with no credentials in it', () => {
    expect(machine.endpoint).toMatch(ENDPOINT_SHAPE[p](machine, world.env));
    expect(machine.endpoint).not.toContain(token);
  });

  test('without the token, or with a wrong one, every route is refused', async () => {
    const e = machine.endpoint!;
    const wrong = crypto.randomBytes(20).toString('hex');
    for (const route of ['/system_stats', '/object_info', '/queue', '/history', '/view?filename=example.png&type=input', '/api/system_stats']) {
      const attempts: Record<string, string>[] = [{}, { authorization: `Bearer ${wrong}` }, { authorization: token }, { cookie: `token=${token}` }];
      for (const headers of attempts) {
        const r = await get(`${e}${route}`, headers);
        expect({ route, headers, status: refused(r.status) }).toEqual({ route, headers, status: true });
        expect(r.body).not.toMatch(/"system"|"queue_running"|PNG/);
      }
      expect(refused((await get(`${e}${route}${route.includes('?') ? '&' : '?'}token=${wrong}`)).status)).toBe(true);
    }
    expect(refused(await post(`${e}/prompt`, { prompt: {} }))).toBe(true);
    expect(refused(await post(`${e}/upload/image`, {}))).toBe(true);
    expect(refused((await websocket(e)) as number)).toBe(true);
    expect(refused((await websocket(e, { authorization: `Bearer ${wrong}` })) as number)).toBe(true);
  });

  test("with the session's token (Bearer or ?token=), ComfyUI answers", async () => {
    const e = machine.endpoint!;
    const bearer = await get(`${e}/system_stats`, { authorization: `Bearer ${token}` });
    expect(bearer.status).toBe(200);
    expect(JSON.parse(bearer.body)).toHaveProperty('system');
    expect((await get(`${e}/queue?token=${token}`)).status).toBe(200);
    expect(await websocket(e, { authorization: `Bearer ${token}` })).toBe(true);
  });
});

test('lambda: with the firewall opened to one address only, a caller from another address is dropped even with the token', async () => {
  const env = { ...world.env, GPUBURST_LAMBDA_ALLOW_CIDR: '127.0.0.1/32' };
  const provider = createProvider('lambda', configFromEnv('lambda', env));
  const token = crypto.randomBytes(20).toString('hex');
  const machine = await createFromTemplate(provider, 'lambda', token, env);
  try {
    const auth = { authorization: `Bearer ${token}` };
    expect((await get(`${machine.endpoint}/system_stats`, auth, '127.0.0.1')).status).toBe(200);
    await expect(get(`${machine.endpoint}/system_stats`, auth, '127.0.0.2')).rejects.toMatchObject({ code: expect.stringMatching(/ECONNRESET|ETIMEDOUT|ECONNREFUSED/) });
  } finally {
    await provider.terminateMachine({ id: machine.id });
  }
}, 30_000);
