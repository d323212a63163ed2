/**
 * Simulator of the Paperspace v1 API on loopback, served under `/v1` like https://api.paperspace.com/v1.
 *
 * Admin surface (besides SimServer's /_sim/state and /_sim/faults): GET/POST /_sim/capacity, see ./capacity.
 * A create that cannot be placed still answers 200, then lands in `off` with its create event in `error` (docs/reference/paperspace.md §4).
 * Each booted VM gets its own loopback IP (127.a.b.c) as `publicIp`, and its ComfyUI listens there on `comfyPort`.
 */
import { simKey } from '../common/test-keys';
import { createMachineHost } from '../common/machine-host';
import { SimServer } from '../common/server';
import { DEFAULT_TIMINGS, ProviderSim, SimOptions, SimState } from '../common/types';
import { DISK_SIZES_GB } from './catalog';
import { machineRoutes } from './machine-routes';
import { authed, fail, ok } from './protocol';
import { scriptRoutes } from './script-routes';
import { World } from './world';

export interface PaperspaceSimOptions extends SimOptions {
  /** Port ComfyUI listens on at each VM's loopback IP (default 8188; change it where 8188 is taken). */
  comfyPort?: number;
  /** Disk sizes create accepts, GB. */
  diskSizesGb?: number[];
  /** Billing increment of compute, seconds (default 1: granularity is unclear, docs/reference/paperspace.md §6). */
  billingIncrementSeconds?: number;
  /** How long one auto-shutdown hour lasts, ms (default a real hour). */
  autoShutdownHourMs?: number;
  /** Page size when a list call gives no `limit` [I]. */
  defaultPageLimit?: number;
}

export async function start(opts: PaperspaceSimOptions = {}): Promise<ProviderSim> {
  const keys = new Set(opts.keys?.length ? opts.keys : [simKey('ps-sim-', 12)]);
  const comfyPort = opts.comfyPort ?? 8188;
  const defaultPageLimit = opts.defaultPageLimit ?? 20;
  const world = new World({
    timings: { ...DEFAULT_TIMINGS, ...opts.timings },
    host: opts.host ?? createMachineHost(),
    comfyPort,
    billingIncrementSeconds: opts.billingIncrementSeconds ?? 1,
    hourMs: opts.autoShutdownHourMs ?? 3_600_000,
  });
  const server = new SimServer({
    name: 'paperspace',
    latencyMs: opts.latencyMs,
    notFound: (req) => fail('NOT_FOUND', `No route for ${req.method} ${req.path}`),
    methodNotAllowed: (req) => fail('METHOD_NOT_SUPPORTED', `Method ${req.method} is not supported on ${req.path}`),
  });
  const m = machineRoutes(world, { diskSizesGb: opts.diskSizesGb ?? DISK_SIZES_GB, defaultPageLimit });
  const s = scriptRoutes(world, { defaultPageLimit });
  const api = (method: string, path: string, handler: Parameters<SimServer['route']>[2]) => server.route(method, `/v1${path}`, authed(keys, handler));
  api('GET', '/machines', m.list);
  api('POST', '/machines', m.create);
  api('GET', '/machines/:id', m.get);
  api('DELETE', '/machines/:id', m.remove);
  api('PATCH', '/machines/:id/stop', m.stop);
  api('PATCH', '/machines/:id/start', m.start);
  api('GET', '/machine-events', m.events);
  api('GET', '/machine-events/:id', m.event);
  api('GET', '/machine-availability', m.availability);
  api('GET', '/startup-scripts', s.list);
  api('POST', '/startup-scripts', s.create);
  api('GET', '/startup-scripts/:id', s.get);
  api('DELETE', '/startup-scripts/:id', s.remove);
  // The OS template list moved between paths over time (docs/reference/paperspace.md §2); both answer.
  api('GET', '/os-templates', s.templates);
  api('GET', '/templates', s.templates);

  server.route('GET', '/_sim/capacity', () => ok(world.capacity.view()));
  server.route('POST', '/_sim/capacity', (req) => world.capacity.update(req));

  const state = (): SimState => ({
    provider: 'paperspace',
    machines: [...world.machines.values()].map((x) => {
      const bill = world.meter.read(x.id);
      return {
        id: x.id,
        name: x.name,
        status: x.dtDeleted ? 'deleted' : x.state,
        running: !x.dtDeleted && x.state !== 'off',
        billing: world.meter.isBilling(x.id),
        billedSeconds: bill.billedSeconds,
        costUsd: bill.costUsd,
        usdPerHour: x.usageRate,
        gpu: x.type.accelerator?.name ?? 'none',
        createdAt: x.dtCreated,
        terminatedAt: x.dtDeleted ?? undefined,
        comfyUrl: x.comfyUrl,
      };
    }),
  });
  server.state(state);
  server.onClose(() => world.close());

  const url = await server.listen(opts.port ?? 0);
  const [key] = keys;
  return {
    provider: 'paperspace',
    url,
    env: { GPUBURST_PAPERSPACE_API_URL: `${url}/v1`, PAPERSPACE_API_KEY: key, GPUBURST_PAPERSPACE_COMFY_PORT: String(comfyPort) },
    server,
    state,
    close: () => server.close(),
  };
}
