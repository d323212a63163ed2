/** Small helpers for the Vast simulator tests: raw HTTP calls and waiting on simulator state. */
import type { ProviderSim } from '../../../src/sim/common/types';

export interface Call {
  body?: unknown;
  /** Raw body text (malformed JSON tests). */
  raw?: string;
  /** Bearer key; `null` for none. Default: the sim's account key. */
  key?: string | null;
  query?: Record<string, string>;
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

export async function call(sim: ProviderSim, method: string, path: string, c: Call = {}): Promise<Reply> {
  const url = new URL(`${sim.url}${path}`);
  for (const [k, v] of Object.entries(c.query ?? {})) url.searchParams.set(k, v);
  const key = c.key === undefined ? sim.env.VAST_API_KEY : c.key;
  const headers: Record<string, string> = {};
  if (key) headers.authorization = `Bearer ${key}`;
  let body: string | undefined;
  if (c.raw !== undefined || c.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = c.raw ?? JSON.stringify(c.body);
  }
  const res = await fetch(url, { method, headers, body });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

export async function until<T>(read: () => T | Promise<T>, ok: (v: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`condition not reached; last value ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const FAST = { provisionMs: 20, bootMs: 30, comfyStartMs: 20, stopMs: 20 };

export const createBody = (over: Record<string, unknown> = {}) => ({
  client_id: 'me',
  image: 'vastai/comfy:v0.3.64-cuda-12.9-py312',
  label: 'gpuburst-test',
  disk: 40,
  env: { '-p 8188:8188': '1', OPEN_BUTTON_TOKEN: 'tok-0123456789', GPUBURST_SESSION: 's1', PORTAL_CONFIG: 'localhost:8188:18188:/:ComfyUI' },
  runtype: 'args',
  cancel_unavail: true,
  ...over,
});
