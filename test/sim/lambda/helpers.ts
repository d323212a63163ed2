import { createMachineHost, MachineBoot, MachineHost } from '../../../src/sim/common/machine-host';
import type { ProviderSim } from '../../../src/sim/common/types';
import { LambdaSimOptions, start } from '../../../src/sim/lambda';

const FAST = { provisionMs: 20, bootMs: 30, comfyStartMs: 20, stopMs: 40 };

export async function startSim(opts: LambdaSimOptions = {}): Promise<ProviderSim & { key: string; api: string }> {
  const sim = await start({ timings: FAST, rateLimits: { minIntervalMs: 0, launchIntervalMs: 0 }, ...opts });
  return Object.assign(sim, { key: sim.env.LAMBDA_API_KEY, api: sim.env.GPUBURST_LAMBDA_API_URL });
}

export interface Reply {
  status: number;
  body: any;
}

export async function call(sim: { key: string; api: string }, method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Reply> {
  const res = await fetch(sim.api + path, {
    method,
    headers: { authorization: `Bearer ${sim.key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

export async function until<T>(fn: () => Promise<T | undefined> | T | undefined, what: string, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A MachineHost that records what the simulator boots and stops. */
export function recordingHost(): { host: MachineHost; boots: MachineBoot[]; stops: string[] } {
  const inner = createMachineHost();
  const boots: MachineBoot[] = [];
  const stops: string[] = [];
  return {
    boots,
    stops,
    host: {
      async boot(b) {
        boots.push(b);
        const proc = await inner.boot(b);
        return {
          ...proc,
          async stop() {
            stops.push(b.machineId);
            await proc.stop();
          },
        };
      },
    },
  };
}

/** Adds the account SSH key (and, given a region, a ruleset opening `port` from `cidr`); returns the ruleset id. */
export async function prepare(sim: { key: string; api: string }, region?: string, cidr = '0.0.0.0/0', port = 8188): Promise<string | undefined> {
  const keys = await call(sim, 'GET', '/ssh-keys');
  if (!keys.body.data.some((k: { name: string }) => k.name === 'gpuburst')) await call(sim, 'POST', '/ssh-keys', { name: 'gpuburst' });
  if (!region) return undefined;
  const rs = await call(sim, 'POST', '/firewall-rulesets', {
    name: `t-${region}-${cidr}`,
    region,
    rules: [{ protocol: 'tcp', port_range: [port, port], source_network: cidr, description: 'comfy' }],
  });
  return rs.body.data.id;
}

export function launchBody(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { region_name: 'us-west-1', instance_type_name: 'gpu_1x_a10', ssh_key_names: ['gpuburst'], name: 'gpuburst-t', ...extra };
}
