/**
 * A stateful simulator of the Vast.ai REST API, written from docs/reference/vast.md §4, §6, §7, §11.
 * Serves `/api/v0/...` and `/api/v1/instances/` on loopback; `env` points gpuburst at it.
 *
 * Admin routes (besides SimServer's `/_sim/state` and `/_sim/faults`):
 * - `POST /_sim/capacity {"ask_id"?: N, "gpu_name"?: "RTX 4090", "slots"?: N, "rentable"?: bool, "startable"?: bool,
 *   "outraced_creates"?: N}` changes every host matching the selector (no selector: all). `slots` = rentals a host
 *   holds at once (0 or all taken: the ask is rented, create → 404 no_such_ask); `rentable: false` unlists it (404);
 *   `startable: false` keeps it listed but unable to start (410 with cancel_unavail, else the instance waits in
 *   `scheduling`); `outraced_creates: N` = the next N creates lose the race to another renter between search and
 *   create (404 no_such_ask, docs/reference/vast.md §2 "Offers are volatile"), after which the ask is free again.
 *   Answers `{"hosts": [...]}`.
 * - `POST /_sim/instance-status {"id": N, "actual_status": "exited"|"unknown"|"offline"|"created", "status_msg"?: "..."}`
 *   makes a running instance crash, lose its host, or fail to create (offline bills nothing).
 */
import { simKey } from '../common/test-keys';
import { comfySimFactory } from '../comfyui';
import { createMachineHost, MachineHost } from '../common/machine-host';
import { SimServer } from '../common/server';
import { DEFAULT_TIMINGS, ProviderSim, SimOptions, SimState } from '../common/types';
import { DOCUMENTED_RATE_LIMITS, pacingFor, RateLimit, RateLimiter, SimEndpoint } from './guard';
import { InstanceStore } from './instances';
import { defaultInventory, VastHost } from './inventory';
import { machineState } from './render';
import { registerRoutes } from './routes';

export interface VastSimOptions extends SimOptions {
  /** The marketplace; default `defaultInventory()`. */
  inventory?: VastHost[];
  /** Per-endpoint limits (default: the documented ones); `false` turns them off. */
  rateLimits?: Partial<Record<SimEndpoint, RateLimit>> | false;
  /** 429 body: Vast's plain text (default) or the specs' `{"detail": ...}`. */
  rateLimitBody?: 'text' | 'json';
  /** `public_ipaddr` as shown, trailing whitespace included like the real API sometimes does. */
  publicIp?: string;
  /** Container port whose mapping leads to the machine's ComfyUI. */
  comfyPort?: number;
}

export async function start(opts: VastSimOptions = {}): Promise<ProviderSim> {
  const keys = opts.keys?.length ? opts.keys : [simKey('vastsim-', 16)];
  const hosts = opts.inventory ?? defaultInventory();
  const limits = opts.rateLimits === false ? {} : { ...DOCUMENTED_RATE_LIMITS, ...(opts.rateLimits ?? {}) };
  const publicIp = opts.publicIp ?? '127.0.0.1 ';
  const comfyPort = opts.comfyPort ?? 8188;
  const server = new SimServer({
    name: 'vast',
    latencyMs: opts.latencyMs,
    notFound: () => ({ status: 404, body: '<h1>Not Found</h1><p>The requested resource was not found on this server.</p>', contentType: 'text/html' }),
    methodNotAllowed: (r) => ({ status: 405, body: { detail: `Method "${r.method}" not allowed.` } }),
  });
  const store = new InstanceStore({ timings: { ...DEFAULT_TIMINGS, ...(opts.timings ?? {}) }, hostFor: opts.host ? () => opts.host! : defaultHostFor(), publicIp, comfyPort });
  registerRoutes(server, { hosts, store, accountKeys: new Set(keys), limiter: new RateLimiter(limits, opts.rateLimitBody ?? 'text'), publicIp, comfyPort });

  server.route('POST', '/_sim/capacity', (r) => {
    type Body = { ask_id?: number; gpu_name?: string; slots?: number; rentable?: boolean; startable?: boolean; outraced_creates?: number };
    const b = (r.body ?? {}) as Body;
    const chosen = hosts.filter((h) => (b.ask_id === undefined || h.id === b.ask_id) && (b.gpu_name === undefined || h.gpu_name === b.gpu_name));
    for (const h of chosen) {
      if (typeof b.slots === 'number') h.slots = b.slots;
      if (typeof b.rentable === 'boolean') h.rentable = b.rentable;
      if (typeof b.startable === 'boolean') h.startable = b.startable;
      if (typeof b.outraced_creates === 'number') h.outracedCreates = b.outraced_creates;
    }
    return { status: 200, body: { hosts: chosen.map((h) => ({ ...h, in_use: store.slotsInUse(h.id) })) } };
  });
  server.route('POST', '/_sim/instance-status', async (r) => {
    const b = (r.body ?? {}) as { id?: number; actual_status?: string; status_msg?: string };
    const inst = typeof b.id === 'number' ? store.get(b.id) : undefined;
    if (!inst || !['exited', 'unknown', 'offline', 'created'].includes(String(b.actual_status))) {
      return { status: 400, body: { error: 'need {"id": <live instance>, "actual_status": "exited"|"unknown"|"offline"|"created"}' } };
    }
    await store.inject(inst, String(b.actual_status), b.status_msg ?? null);
    return { status: 200, body: { success: true } };
  });

  const state = (): SimState => ({ provider: 'vast', machines: store.all.map((i) => machineState(i, store.meter)) });
  server.state(state);
  server.onClose(() => store.close());
  const url = await server.listen(opts.port ?? 0);
  return {
    provider: 'vast',
    url,
    env: {
      GPUBURST_VAST_API_URL: `${url}/api/v0`,
      VAST_API_KEY: keys[0],
      // The adapter paces itself to the limits this simulator enforces.
      GPUBURST_VAST_RATE_LIMITS: opts.rateLimits === false ? 'off' : pacingFor(limits),
    },
    server,
    state,
    close: () => server.close(),
  };
}

/**
 * Vast's own images (vastai/*) front ComfyUI with Caddy, which answers a request without credentials with a
 * basic-auth 401 (base-image caddy_config_manager.py); other images keep their own proxy's behaviour.
 */
function defaultHostFor(): (image: string) => MachineHost {
  const vastImages = createMachineHost({ comfy: comfySimFactory({ authFailure: '401' }) });
  const others = createMachineHost();
  return (image) => (/^(docker\.io\/)?vastai\//.test(image) ? vastImages : others);
}
