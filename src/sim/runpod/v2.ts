/**
 * REST v2 routes of the RunPod simulator (docs/reference/runpod.md §2.1, §3.1, §4.1, §6, §7.3): catalog, pods, actions. Every
 * route checks the bearer key, counts against the per-minute quota and answers errors as problem+json.
 * A pod-scoped key (injected into the pod) may read, act on and delete its own pod only.
 */
import type { Handler, SimRequest, SimResponse, SimServer } from '../common/server';
import { Capacity, DATA_CENTERS, SimCloud, cloudKey, priceOf } from './catalog';
import { ACTIONS, PodStatus, PodStore } from './pods';
import { AuthDeps, CAPACITY_DETAIL, Caller, RateLimiter, authenticate, isResponse, problem, withHeaders } from './problem';
import { validateCatalogQuery, validateCreatePod, validatePodAction } from './validate';
import type { VolumeStore } from '../common/volumes';
import { registerVolumes } from './volumes';

export interface V2Deps {
  store: PodStore;
  capacity: Capacity;
  auth: AuthDeps;
  limiter: RateLimiter;
  /** Account balance in USD; a deploy needs at least one hour of the pod's price (docs/reference/runpod.md §6). */
  account: { balanceUsd: number };
  volumes: VolumeStore;
}

const MAX_ENV_VARS = 50;
const PORT_SPEC = /^\d{1,5}\/(http|tcp)$/;

export function registerV2(server: SimServer, deps: V2Deps): void {
  const { store, capacity } = deps;

  const guard = (handler: (req: SimRequest, caller: Caller) => SimResponse, podScoped = false): Handler => (req) => {
    const caller = authenticate(req, deps.auth);
    if (isResponse(caller)) return caller;
    const rate = deps.limiter.take();
    if (rate.refused) return problem(429, 'rate limit exceeded for the minute window', { headers: { ...rate.headers, 'Retry-After': String(rate.retryAfterSeconds) } });
    if (caller.kind === 'pod' && !(podScoped && req.params.id === caller.podId)) return withHeaders(problem(403, 'access denied'), rate.headers);
    return withHeaders(handler(req, caller), rate.headers);
  };
  registerVolumes(server, (h) => guard((req) => h(req)), {
    volumes: deps.volumes,
    mountedBy: (id) => store.list().filter((p) => p.networkVolumeId === id).map((p) => p.id),
  });
  const jsonBody = (req: SimRequest): SimResponse | undefined =>
    req.bodyError !== undefined || (req.rawBody.length > 0 && req.body === undefined) ? problem(400, 'request body is not valid JSON') : undefined;

  server.route('GET', '/v2/catalog/gpus', guard((req) => {
    const errors = validateCatalogQuery(req.query);
    if (errors.length) return problem(422, 'Request validation failed.', { errors });
    const include = req.query.get('include') === 'AVAILABILITY';
    if (include !== req.query.has('product')) return problem(400, 'product is required with include=AVAILABILITY, and valid only with it');
    if (req.query.has('cudaVersions') && req.query.has('minCudaVersion')) return problem(400, 'cudaVersions and minCudaVersion are mutually exclusive');
    const count = Number(req.query.get('count') ?? 1);
    const cloud = (req.query.get('cloud') ?? 'SECURE') as SimCloud;
    const gpus = capacity.types.map((t) => {
      const item: Record<string, unknown> = {
        id: t.id,
        name: t.name,
        pool: null,
        manufacturer: t.manufacturer,
        memory: t.memoryGb,
        secure: t.usdPerHour.secure !== null,
        community: t.usdPerHour.community !== null,
        price: { secure: t.usdPerHour.secure ?? 0, community: t.usdPerHour.community ?? 0 },
        maxCount: t.maxCount,
      };
      if (include) {
        const offered = priceOf(t, cloud) !== null && t.maxCount[cloudKey(cloud)] >= count;
        const level = offered ? capacity.availability(t.id, cloud, count) : 'NONE';
        item.availability = level;
        // Omitted entirely when the configuration is unavailable everywhere (docs v2 openapi `GpuType.dataCenters`).
        if (level !== 'NONE') item.dataCenters = [{ ...DATA_CENTERS[cloud], availability: level }];
        item.cudaVersions = [{ version: '12.8', available: level !== 'NONE' }];
      }
      return item;
    });
    return { status: 200, body: { gpus } };
  }));

  server.route('GET', '/v2/pods', guard((req) => {
    const flag = req.query.get('includeClusterPods');
    if (flag !== null && flag !== 'true' && flag !== 'false') return problem(422, 'Request validation failed.', { errors: ['query.includeClusterPods: expected boolean'] });
    return { status: 200, body: { pods: store.list().map((p) => store.toJson(p)) } };
  }));

  server.route('POST', '/v2/pods', guard((req) => {
    const bad = jsonBody(req);
    if (bad) return bad;
    const errors = validateCreatePod(req.body);
    if (errors.length) return problem(422, 'Request validation failed.', { errors });
    return create(req.body as CreateBody);
  }));

  server.route('GET', '/v2/pods/:id', guard((req) => {
    const pod = store.get(req.params.id);
    return pod ? { status: 200, body: store.toJson(pod) } : problem(404, 'pod not found');
  }, true));

  server.route('DELETE', '/v2/pods/:id', guard((req) => {
    const pod = store.get(req.params.id);
    if (!pod) return problem(404, 'pod not found');
    store.terminate(pod);
    return { status: 204 };
  }, true));

  server.route('PATCH', '/v2/pods/:id', guard(() => problem(501, 'updating a pod is not simulated')));

  server.route('POST', '/v2/pods/:id/action', guard((req) => {
    const bad = jsonBody(req);
    if (bad) return bad;
    const errors = validatePodAction(req.body);
    if (errors.length) return problem(422, 'Request validation failed.', { errors });
    const pod = store.get(req.params.id);
    if (!pod) return problem(404, 'pod not found');
    const action = (req.body as { action: string }).action;
    if (!ACTIONS[pod.status as PodStatus].includes(action)) return problem(409, `action ${action} is not valid for a pod in status ${pod.status}`);
    if (action === 'terminate') {
      store.terminate(pod);
      return { status: 204 };
    }
    if (action === 'stop') store.stop(pod);
    else if (action === 'restart') store.restart(pod);
    else if (!store.start(pod)) return problem(400, CAPACITY_DETAIL);
    return { status: 200, body: store.toJson(pod) };
  }, true));

  type CreateBody = {
    name: string;
    image?: string;
    templateId?: string;
    gpu?: { id: string; count?: number; allowedCudaVersions?: string[]; minCudaVersion?: string };
    cpu?: unknown;
    cloud?: SimCloud;
    args?: string;
    disk?: number;
    env?: Record<string, string>;
    ports?: string[];
    registry?: string | null;
    mounts?: { persistent?: { size: number; path: string }; network?: unknown[] };
    dataCenterIds?: string[];
    globalNetworking?: boolean;
  };

  function create(body: CreateBody): SimResponse {
    // Cross-field and handler rules: 400; references to things that do not exist: 404 (docs v2 openapi).
    if (Boolean(body.gpu) === Boolean(body.cpu)) return problem(400, 'exactly one of gpu or cpu must be set');
    if (body.cpu) return problem(400, 'CPU pods are not simulated');
    if (body.mounts?.persistent && body.mounts.network) return problem(400, 'mounts.persistent and mounts.network are mutually exclusive');
    if ((body.gpu?.allowedCudaVersions?.length ?? 0) > 0 && body.gpu?.minCudaVersion) return problem(400, 'allowedCudaVersions and minCudaVersion are mutually exclusive');
    const badPort = (body.ports ?? []).find((p) => !PORT_SPEC.test(p));
    if (badPort !== undefined) return problem(400, `port "${badPort}" must be formatted as port/http or port/tcp`);
    if (Object.keys(body.env ?? {}).length > MAX_ENV_VARS) return problem(400, `at most ${MAX_ENV_VARS} environment variables are allowed`);
    if (body.templateId) return problem(404, 'template not found');
    const mount = body.mounts?.network?.[0] as { volumeId: string; path: string } | undefined;
    const volume = mount ? deps.volumes.get(mount.volumeId) : undefined;
    if (mount && !volume) return problem(404, 'network volume not found');
    const gpu = body.gpu!;
    const type = capacity.find(gpu.id);
    if (!type) return problem(400, `unknown GPU type "${gpu.id}"`);
    const cloud = body.cloud ?? 'SECURE';
    // Each simulated cloud has one data center: a pod pinned elsewhere cannot be placed.
    const dataCenter = DATA_CENTERS[cloud].id;
    if (body.dataCenterIds?.length && !body.dataCenterIds.includes(dataCenter)) return problem(400, CAPACITY_DETAIL);
    if (volume && volume.region !== dataCenter) return problem(400, `network volume ${volume.id} is in ${volume.region}; this pod would be placed in ${dataCenter}`);
    const count = gpu.count ?? 1;
    const price = priceOf(type, cloud);
    if (price === null || count > type.maxCount[cloudKey(cloud)]) return problem(400, CAPACITY_DETAIL);
    if (deps.account.balanceUsd - store.spentUsd() < price * count) return problem(402, 'insufficient balance: deploying needs at least one hour of the pod price in credit');
    const pod = store.create({
      name: body.name,
      image: body.image ?? '',
      args: body.args ?? '',
      disk: body.disk ?? 50,
      env: body.env ?? {},
      ports: body.ports ?? [],
      gpuId: gpu.id,
      count,
      cloud,
      volumeGb: body.mounts?.persistent?.size ?? 0,
      volumePath: body.mounts?.persistent?.path,
      networkVolumeId: volume?.id,
      networkPath: mount?.path,
      registry: body.registry ?? null,
      globalNetworking: body.globalNetworking ?? false,
    });
    return pod ? { status: 201, body: store.toJson(pod) } : problem(400, CAPACITY_DETAIL);
  }
}
