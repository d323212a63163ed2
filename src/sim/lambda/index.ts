/**
 * Lambda Cloud API simulator (written from docs/reference/lambda.md §2–§7 and §11). A stateful loopback server
 * under `/api/v1`, with the account rate limits, capacity per (type, region), firewall rulesets that decide whether
 * a VM's ComfyUI port is reachable, and per-minute billing from `active` until terminate.
 *
 * Admin (besides /_sim/state and /_sim/faults): `GET|POST /_sim/capacity` — see ./capacity.ts for the body.
 */
import { simKey } from '../common/test-keys';
import { BillingMeter } from '../common/billing';
import { createMachineHost } from '../common/machine-host';
import { SimServer } from '../common/server';
import { DEFAULT_TIMINGS, ProviderSim, SimOptions, SimState } from '../common/types';
import { Capacity, CapacityUpdate } from './capacity';
import { NO_FIREWALL_REGIONS } from './catalog';
import { FilesystemStore } from './filesystems';
import { FirewallStore } from './firewall';
import { Fleet, SimInstance } from './fleet';
import { ruleAllowsTcp } from './network';
import { RateLimiter, RateLimits, REAL_RATE_LIMITS } from './rate-limit';
import { API_PREFIX, registerRoutes, RouteContext, unknownRoute } from './routes';
import { SshKeyStore } from './ssh-keys';

export interface LambdaSimOptions extends SimOptions {
  /** Default: Lambda's documented 1 request/s and 1 launch per 12 s; 0 turns a limit off. */
  rateLimits?: Partial<RateLimits>;
  /** Port the VMs' ComfyUI is published on (8188; change it where 8188 is taken on this computer). */
  comfyPort?: number;
  /** Free slots per (type, region) the catalog places a type in at start. */
  initialSlots?: number;
}

/** Compute is billed per started minute (docs/reference/lambda.md §6; the rounding is an assumption). */
const perStartedMinute = (seconds: number) => Math.ceil(seconds / 60) * 60;

export async function start(opts: LambdaSimOptions = {}): Promise<ProviderSim> {
  const timings = { ...DEFAULT_TIMINGS, ...opts.timings };
  const apiKeys = opts.keys?.length ? opts.keys : [simKey('sim-lambda-', 12)];
  const limits: RateLimits = { ...REAL_RATE_LIMITS, ...opts.rateLimits };
  const comfyPort = opts.comfyPort ?? 8188;
  const capacity = new Capacity(opts.initialSlots ?? 4);
  const firewallRef: { store?: FirewallStore } = {};
  const allows = (inst: SimInstance, port: number, remoteIp: string) =>
    NO_FIREWALL_REGIONS.has(inst.region.name) || (firewallRef.store?.rulesFor(inst.params.rulesetIds) ?? []).some((r) => ruleAllowsTcp(r, port, remoteIp));
  const fleet = new Fleet({
    timings,
    meter: new BillingMeter(perStartedMinute),
    host: opts.host ?? createMachineHost(),
    comfyPort,
    allows,
    onGone: (inst) => capacity.release(inst.type.name, inst.region.name),
  });
  const firewall = new FirewallStore((id) => fleet.live().filter((i) => i.params.rulesetIds.includes(id)).map((i) => i.id));
  firewallRef.store = firewall;

  const filesystems = new FilesystemStore((name) => fleet.live().filter((i) => i.status !== 'terminating' && i.params.fileSystemNames.includes(name)).map((i) => i.id));
  const ctx: RouteContext = { apiKeys: new Set(apiKeys), limiter: new RateLimiter(limits), fleet, capacity, firewall, sshKeys: new SshKeyStore(), filesystems };
  const server = new SimServer({ name: 'lambda', latencyMs: opts.latencyMs, notFound: unknownRoute(ctx), methodNotAllowed: unknownRoute(ctx) });
  registerRoutes(server, ctx);
  server.route('GET', '/_sim/capacity', () => ({ status: 200, body: { capacity: capacity.table() } }));
  server.route('POST', '/_sim/capacity', (req) => {
    const problem = req.body && typeof req.body === 'object' ? capacity.update(req.body as CapacityUpdate) : 'body must be a JSON object';
    return problem ? { status: 400, body: { error: problem } } : { status: 200, body: { capacity: capacity.table() } };
  });
  const state = (): SimState => ({ provider: 'lambda', machines: fleet.state(), volumes: filesystems.volumes.state() });
  server.state(state);
  server.onClose(async () => {
    await fleet.close();
    filesystems.volumes.close();
  });

  const url = await server.listen(opts.port ?? 0);
  return {
    provider: 'lambda',
    url,
    env: {
      GPUBURST_LAMBDA_API_URL: url + API_PREFIX,
      LAMBDA_API_KEY: apiKeys[0],
      // Point the adapter's client-side spacing at this simulator's limits.
      GPUBURST_LAMBDA_MIN_INTERVAL_MS: String(limits.minIntervalMs),
      GPUBURST_LAMBDA_LAUNCH_INTERVAL_MS: String(limits.launchIntervalMs),
      GPUBURST_LAMBDA_COMFY_PORT: String(comfyPort),
    },
    server,
    state,
    close: () => server.close(),
  };
}
