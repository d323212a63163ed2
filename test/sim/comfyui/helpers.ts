/** Raw access to the ComfyUI simulator (fetch + ws), independent of gpuburst's own client. */
import WebSocket from 'ws';
import type { ComfySim } from '../../../src/sim/comfyui';

export interface Frame {
  type: string;
  data: Record<string, unknown>;
}

export class WsTap {
  readonly frames: Frame[] = [];
  readonly ws: WebSocket;
  readonly opened: Promise<void>;
  constructor(url: string, headers: Record<string, string> = {}) {
    this.ws = new WebSocket(url, { headers });
    this.ws.on('message', (d, binary) => {
      if (!binary) this.frames.push(JSON.parse(d.toString()));
    });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
      this.ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
  }
  async waitFor(pred: (f: Frame) => boolean, timeoutMs = 5000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const f = this.frames.find(pred);
      if (f) return f;
      if (Date.now() > deadline) throw new Error(`no frame matched; got ${this.frames.map((x) => x.type).join(',')}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  close(): void {
    this.ws.terminate();
  }
}

export function wsUrl(sim: ComfySim, clientId?: string, prefix = ''): string {
  const u = new URL(`${sim.url.replace('http', 'ws')}${prefix}/ws`);
  if (clientId) u.searchParams.set('clientId', clientId);
  if (sim.opts.token) u.searchParams.set('token', sim.opts.token);
  return u.toString();
}

export async function api(sim: ComfySim, method: string, route: string, body?: unknown, opts: { auth?: boolean; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...opts.headers };
  if (sim.opts.token && opts.auth !== false) headers.authorization = `Bearer ${sim.opts.token}`;
  if (body !== undefined && !(body instanceof FormData)) headers['content-type'] = 'application/json';
  const res = await fetch(sim.url + route, { method, headers, redirect: 'manual', body: body === undefined ? undefined : body instanceof FormData ? body : typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json: json as any };
}
