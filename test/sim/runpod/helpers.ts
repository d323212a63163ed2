/** Shared bits of the RunPod simulator tests: a sim with short timings, a fetch wrapper, a wait loop. */
import crypto from 'crypto';
import type { ComfyFactory, MachineBoot, MachineHost } from '../../../src/sim/common/machine-host';
import { startComfyStandIn } from '../../../src/sim/common/comfy-standin';
import { createMachineHost } from '../../../src/sim/common/machine-host';
import type { ProviderSim } from '../../../src/sim/common/types';
import { RunpodSimOptions, start } from '../../../src/sim/runpod';

const TIMINGS = { provisionMs: 40, bootMs: 60, comfyStartMs: 80, stopMs: 20 };
export const TOKEN = crypto.randomBytes(12).toString('hex');

export interface Booted {
  boots: MachineBoot[];
  stops: string[];
}

/**
 * A sim whose machine host records what each pod booted with and when it was stopped. Machines run the small
 * ComfyUI stand-in unless a test brings its own: these tests are about the RunPod API, not ComfyUI.
 */
export async function startSim(opts: RunpodSimOptions = {}, comfy?: ComfyFactory): Promise<{ sim: ProviderSim; key: string; booted: Booted }> {
  const booted: Booted = { boots: [], stops: [] };
  const inner = createMachineHost({ comfy: comfy ?? startComfyStandIn });
  const host: MachineHost = {
    async boot(b) {
      booted.boots.push(b);
      const proc = await inner.boot(b);
      return { ...proc, stop: async () => (booted.stops.push(b.machineId), proc.stop()) };
    },
  };
  const sim = await start({ timings: TIMINGS, rateLimitPerMinute: 100_000, host, ...opts });
  return { sim, key: sim.env.RUNPOD_API_KEY, booted };
}

export interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

export async function call(sim: ProviderSim, method: string, path: string, opts: { key?: string; body?: unknown; raw?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (opts.key) headers.authorization = `Bearer ${opts.key}`;
  if (opts.body !== undefined || opts.raw !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${sim.url}${path}`, { method, headers, body: opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* text body */
  }
  return { status: res.status, headers: res.headers, body };
}

export function podBody(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: `gpuburst-t-${crypto.randomBytes(3).toString('hex')}`,
    image: 'ghcr.io/ai-dock/comfyui:latest-cuda',
    gpu: { id: 'NVIDIA GeForce RTX 4090', count: 1 },
    cloud: 'SECURE',
    disk: 40,
    env: { WEB_TOKEN: TOKEN },
    ports: ['8188/http'],
    ...extra,
  };
}

export async function waitFor<T>(fn: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Polls GET /v2/pods/:id until the status is reached; returns the pod. */
export function waitForStatus(sim: ProviderSim, key: string, id: string, status: string, extra: (pod: any) => boolean = () => true): Promise<any> {
  return waitFor(async () => {
    const r = await call(sim, 'GET', `/v2/pods/${id}`, { key });
    return r.status === 200 && r.body.status === status && extra(r.body) ? r.body : undefined;
  }, `pod ${id} to be ${status}`);
}
