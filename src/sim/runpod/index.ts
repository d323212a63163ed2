/**
 * RunPod API simulator: REST v2 (catalog, pods, actions), the GraphQL `gpuTypes` query (spot prices) and the HTTP
 * proxy in front of each pod's ComfyUI. Written from docs/reference/runpod.md §4, §6, §7 and §11.
 *
 * Admin surface (besides SimServer's /_sim/state and /_sim/faults):
 * - `POST /_sim/capacity {"gpuTypeId": "NVIDIA GeForce RTX 4090", "cloud": "SECURE", "free": 0, "restoreAfterRefusals": 1}`
 *   sets the free GPUs of one pool (`cloud` omitted: both clouds). With `restoreAfterRefusals` the pool returns to
 *   its previous level once it has refused that many creates (a passing stock-out). `GET /_sim/capacity` lists pools.
 * - `POST /_sim/rate-limit {"perMinute": 60}` changes the v2 quota.
 * - `POST /_sim/balance {"usd": 0}` sets the account balance (creates need one hour of the pod price: 402).
 * - `POST /_sim/pods/:id/status {"status": "ERROR"}` puts a pod into the unrecoverable ERROR state.
 * Network volumes (./volumes.ts) are real folders that outlive pods; `/_sim/state` lists them under `volumes`.
 */
import { simKey } from '../common/test-keys';
import { createMachineHost } from '../common/machine-host';
import { SimServer, bearerToken } from '../common/server';
import type { SimResponse } from '../common/server';
import { DEFAULT_TIMINGS, ProviderSim, SimOptions } from '../common/types';
import { Capacity, DEFAULT_GPU_TYPES, SimCloud, SimGpuType } from './catalog';
import { executeQuery } from './graphql';
import { PodStore, StorageRates } from './pods';
import { problem, RateLimiter } from './problem';
import { attachProxy } from './proxy';
import { registerV2 } from './v2';
import { newVolumeStore } from './volumes';

const COMFY_PORT = 8188;

export interface RunpodSimOptions extends SimOptions {
  /** v2 requests allowed per minute (docs/reference/runpod.md §7.4 example quota: 60). */
  rateLimitPerMinute?: number;
  balanceUsd?: number;
  gpuTypes?: SimGpuType[];
  storage?: StorageRates;
  /** The real proxy gives up after 100 s with a 524. */
  proxyTimeoutMs?: number;
}

export async function start(opts: RunpodSimOptions = {}): Promise<ProviderSim> {
  const timings = { ...DEFAULT_TIMINGS, ...opts.timings };
  const keys = opts.keys?.length ? opts.keys : [simKey('rpa_', 20, true)];
  const capacity = new Capacity(opts.gpuTypes ?? DEFAULT_GPU_TYPES);
  const volumes = newVolumeStore();
  const store = new PodStore({
    volumeDir: (id) => volumes.get(id)?.dir,
    capacity,
    host: opts.host ?? createMachineHost(),
    timings,
    storage: opts.storage ?? { runningUsdPerGbMonth: 0.1, stoppedVolumeUsdPerGbMonth: 0.2 },
  });
  const auth = { accountKeys: new Set(keys), podKeys: store.podKeys };
  const limiter = new RateLimiter(opts.rateLimitPerMinute ?? 60);
  const account = { balanceUsd: opts.balanceUsd ?? 1000 };

  const server = new SimServer({
    name: 'runpod',
    latencyMs: opts.latencyMs,
    notFound: () => problem(404, 'resource not found'),
    methodNotAllowed: () => problem(405, 'The requested method is not allowed for this path.'),
  });
  registerV2(server, { store, capacity, auth, limiter, account, volumes });
  server.route('POST', '/graphql', (req) => graphql(req.query.get('api_key') ?? bearerToken(req.headers), req.body, req.bodyError));
  // The proxy serves only ports declared `/http`; the one service a simulated machine runs is ComfyUI on 8188.
  const target = (podId: string, port: number) => (port === COMFY_PORT && store.get(podId)?.ports.includes(`${COMFY_PORT}/http`) ? store.comfyUrl(podId) : undefined);
  attachProxy(server, target, { timeoutMs: opts.proxyTimeoutMs ?? 100_000 });

  /** Bearer or the legacy `?api_key=` (docs/reference/runpod.md §1). Anonymous reads of the catalog work on the real API (§2.2). */
  function graphql(key: string | undefined, body: unknown, bodyError?: string): SimResponse {
    if (key !== undefined && !auth.accountKeys.has(key) && !auth.podKeys.has(key)) return { status: 401, body: { errors: [{ message: 'Unauthorized' }] } };
    if (key !== undefined && auth.podKeys.has(key)) return { status: 200, body: { errors: [{ message: 'Unauthorized' }], data: null } };
    const q = body as { query?: unknown; variables?: unknown; operationName?: unknown } | undefined;
    if (bodyError !== undefined || typeof q?.query !== 'string') return { status: 400, body: { errors: [{ message: 'POST body must be JSON with a "query" string' }] } };
    const operationName = typeof q.operationName === 'string' ? q.operationName : undefined;
    return { status: 200, body: executeQuery(q.query, (q.variables ?? {}) as Record<string, unknown>, capacity, operationName) };
  }

  server.route('GET', '/_sim/capacity', () => ({ status: 200, body: { capacity: capacity.snapshot() } }));
  server.route('POST', '/_sim/capacity', (req) => {
    const b = (req.body ?? {}) as { gpuTypeId?: string; cloud?: SimCloud; free?: number; restoreAfterRefusals?: number };
    if (!b.gpuTypeId || !capacity.find(b.gpuTypeId) || typeof b.free !== 'number' || (b.cloud && b.cloud !== 'SECURE' && b.cloud !== 'COMMUNITY')) {
      return { status: 400, body: { error: 'expected {"gpuTypeId": <known id>, "cloud"?: "SECURE"|"COMMUNITY", "free": <number>, "restoreAfterRefusals"?: <number>}' } };
    }
    for (const cloud of b.cloud ? [b.cloud] : (['SECURE', 'COMMUNITY'] as const)) capacity.set(b.gpuTypeId, cloud, b.free, b.restoreAfterRefusals);
    return { status: 200, body: { capacity: capacity.snapshot() } };
  });
  server.route('POST', '/_sim/rate-limit', (req) => {
    const perMinute = (req.body as { perMinute?: number } | undefined)?.perMinute;
    if (typeof perMinute !== 'number' || perMinute < 0) return { status: 400, body: { error: 'expected {"perMinute": <number>}' } };
    limiter.perMinute = perMinute;
    return { status: 200, body: { perMinute } };
  });
  server.route('POST', '/_sim/balance', (req) => {
    const usd = (req.body as { usd?: number } | undefined)?.usd;
    if (typeof usd !== 'number') return { status: 400, body: { error: 'expected {"usd": <number>}' } };
    account.balanceUsd = usd;
    return { status: 200, body: { balanceUsd: usd } };
  });
  server.route('POST', '/_sim/pods/:id/status', (req) => {
    const pod = store.get(req.params.id);
    if (!pod) return { status: 404, body: { error: 'no such pod' } };
    if ((req.body as { status?: string } | undefined)?.status !== 'ERROR') return { status: 400, body: { error: 'expected {"status": "ERROR"}' } };
    store.fail(pod);
    return { status: 200, body: store.toJson(pod) };
  });

  const state = () => ({ provider: 'runpod' as const, machines: store.state(), volumes: volumes.state() });
  server.state(state);
  server.onClose(async () => {
    await store.close();
    volumes.close();
  });
  const url = await server.listen(opts.port ?? 0);
  return {
    provider: 'runpod',
    url,
    env: {
      GPUBURST_RUNPOD_API_URL: url,
      RUNPOD_API_KEY: keys[0],
      GPUBURST_RUNPOD_PROXY_URL: `${url}/proxy/{podId}-{port}`,
    },
    server,
    state,
    close: () => server.close(),
  };
}
