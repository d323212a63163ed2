/** Shared glue for the Paperspace simulator tests: start with short timings, call the API, wait for a condition. */
import { vmBootstrapScript } from '../../../providers/bootstrap';
import type { MachineSpec } from '../../../providers/types';
import type { ProviderSim } from '../../../src/sim/common/types';
import { PaperspaceSimOptions, start } from '../../../src/sim/paperspace';

export const FAST = { provisionMs: 20, bootMs: 30, comfyStartMs: 20, stopMs: 40 };
export const NY2 = 'East Coast (NY2)';
/** The 22.04 ML-in-a-Box template of the simulator's catalog. */
export const TEMPLATE = 'tqqsxr6b';

export type Sim = ProviderSim & { key: string; api: string };

export async function startSim(opts: PaperspaceSimOptions = {}): Promise<Sim> {
  const sim = await start({ timings: FAST, ...opts });
  return Object.assign(sim, { key: sim.env.PAPERSPACE_API_KEY, api: sim.env.GPUBURST_PAPERSPACE_API_URL });
}

export interface Reply {
  status: number;
  headers: Headers;
  body: any;
}

export async function call(sim: Sim, method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Reply> {
  const res = await fetch(sim.api + path, {
    method,
    headers: { authorization: `Bearer ${sim.key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

export async function admin(sim: Sim, path: string, body: unknown): Promise<Reply> {
  const res = await fetch(sim.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

export async function until<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, what: string, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function bootstrap(token: string): string {
  const spec: MachineSpec = {
    name: 'gpuburst-s1-a',
    sessionId: 's1',
    offerId: `A4000@${NY2}`,
    image: 'ghcr.io/ai-dock/comfyui:latest-cuda',
    env: { WEB_TOKEN: token },
    ports: [{ port: 8188, protocol: 'http' }],
    diskGb: 50,
  };
  return vmBootstrapScript(spec, { sshUser: 'paperspace' });
}

export async function createScript(sim: Sim, token: string, name = 'gpuburst-s1-a'): Promise<string> {
  const res = await call(sim, 'POST', '/startup-scripts', { name, script: bootstrap(token), isRunOnce: true });
  if (res.status !== 200) throw new Error(`script create: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
}

export function createBody(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: 'gpuburst-s1-a', machineType: 'A4000', templateId: TEMPLATE, diskSize: 50, region: NY2, ...extra };
}

export async function createMachine(sim: Sim, extra: Record<string, unknown> = {}): Promise<any> {
  const res = await call(sim, 'POST', '/machines', createBody(extra));
  if (res.status !== 200) throw new Error(`machine create: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function stateOf(sim: Sim, id: string): Promise<string> {
  return (await call(sim, 'GET', `/machines/${id}`)).body.state;
}

export async function comfyStatus(url: string, token?: string): Promise<number | 'refused'> {
  try {
    const res = await fetch(`${url}/system_stats`, { headers: token ? { authorization: `Bearer ${token}` } : {}, redirect: 'manual' });
    return res.status;
  } catch {
    return 'refused';
  }
}
