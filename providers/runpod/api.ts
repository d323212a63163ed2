/**
 * Thin typed client of the RunPod API: REST v2 under `${baseUrl}/v2/...` for everything it offers, and GraphQL
 * (`${baseUrl}/graphql`) only for spot prices, which v2 lacks (docs/reference/runpod.md §1, §2.2). REST v1 is never used.
 */
import { z } from 'zod';
import { HttpClient, HttpFailure, HttpMethod } from '../http';
import type { GpuburstError } from '../errors';
import { shapeCheck } from '../response';

export type Cloud = 'SECURE' | 'COMMUNITY';
export type PodStatus = 'PROVISIONING' | 'STARTING' | 'RUNNING' | 'EXITED' | 'ERROR' | 'TERMINATED';
export type PodAction = 'start' | 'stop' | 'restart' | 'terminate';
type Availability = 'NONE' | 'LOW' | 'MEDIUM' | 'HIGH';

/** `GET /v2/catalog/gpus` item (docs/reference/runpod.md §2.1). Prices are per single GPU, USD per hour. */
export interface GpuType {
  id: string;
  name: string;
  manufacturer: string;
  memory: number;
  secure: boolean;
  community: boolean;
  price: { secure: number; community: number; serverless?: number };
  maxCount: { secure: number; community: number };
  availability?: Availability;
  dataCenters?: { id: string; name?: string; availability: Availability }[];
}

interface RuntimePort {
  private: number;
  public: number | null;
  type: string;
  ip: string | null;
}

/** The v2 Pod (docs/reference/runpod.md §4.1). `env` is returned by reads and holds secrets: never log a pod. */
export interface Pod {
  id: string;
  name: string;
  status: PodStatus;
  actions: PodAction[];
  image: string;
  args: string;
  disk: number;
  ports: string[];
  env: Record<string, string>;
  gpu?: { id: string; count: number };
  cloud: Cloud;
  dataCenterId: string | null;
  /** USD per hour billed now; 0 when EXITED. */
  cost: number;
  /** Null until the container runs. */
  runtime: { uptime?: number; ports?: RuntimePort[] } | null;
  createdAt: string;
  startedAt: string | null;
}

export interface CreatePodRequest {
  name: string;
  image: string;
  gpu: { id: string; count: number };
  cloud: Cloud;
  disk: number;
  env: Record<string, string>;
  ports: string[];
  args?: string;
  /** Pins the pod to these data centers (a network volume's, which it must share). */
  dataCenterIds?: string[];
  /** A network volume, mounted at `path` (v2 `NetworkMount`, at most one). */
  mounts?: { network: { volumeId: string; path: string }[] };
}

/** v2 `NetworkVolume` (docs v2 openapi): size in GB, data center immutable. */
export interface NetworkVolume {
  id: string;
  name: string;
  size: number;
  dataCenter: string;
  type?: string;
}

/** GraphQL `gpuTypes` fields we read (runpod-python `queries/gpus.py`). Spot prices are per GPU; null = none. */
export interface SpotPrice {
  id: string;
  displayName: string;
  memoryInGb: number;
  secureCloud: boolean;
  communityCloud: boolean;
  secureSpotPrice: number | null;
  communitySpotPrice: number | null;
}

export const SPOT_PRICES_QUERY =
  'query GpuTypes { gpuTypes { id displayName memoryInGb secureCloud communityCloud secureSpotPrice communitySpotPrice } }';

/** What the adapter reads of each answer; anything else is passed through unchecked (docs/reference/runpod.md §2.1, §4.1). */
const POD = z.looseObject({ id: z.string(), name: z.string(), status: z.string() });
const GPU_TYPE = z.looseObject({ id: z.string(), memory: z.number(), price: z.looseObject({}), maxCount: z.looseObject({}) });
const SHAPES = {
  pod: POD,
  pods: z.looseObject({ pods: z.array(POD) }),
  gpus: z.looseObject({ gpus: z.array(GPU_TYPE) }),
  volume: z.looseObject({ id: z.string(), name: z.string(), size: z.number(), dataCenter: z.string() }),
  volumes: z.looseObject({ networkVolumes: z.array(z.looseObject({ id: z.string(), name: z.string(), size: z.number(), dataCenter: z.string() })) }),
  spot: z.looseObject({ data: z.looseObject({ gpuTypes: z.array(z.looseObject({ id: z.string() })) }).nullish() }),
};

export interface RunpodApiOptions {
  baseUrl: string;
  apiKey: string;
  timeoutMs?: number;
  maxRetries?: number;
  translate: (failure: HttpFailure) => GpuburstError;
  /** Turns a GraphQL `errors` array (sent with HTTP 200) into a typed error. */
  graphqlError: (errors: unknown[]) => GpuburstError;
  log?: (line: string) => void;
}

export class RunpodApi {
  private readonly http: HttpClient;

  constructor(private readonly opts: RunpodApiOptions) {
    this.http = new HttpClient({
      provider: 'runpod',
      baseUrl: opts.baseUrl,
      // One header on every surface (docs/reference/runpod.md §1); never the legacy `?api_key=` form.
      headers: { Authorization: `Bearer ${opts.apiKey}` },
      timeoutMs: opts.timeoutMs,
      maxRetries: opts.maxRetries,
      translate: opts.translate,
      log: opts.log,
    });
  }

  async listGpuTypes(q: { count: number; cloud: Cloud }, signal?: AbortSignal): Promise<GpuType[]> {
    const res = await this.http.request<{ gpus: GpuType[] }>({
      method: 'GET',
      path: '/v2/catalog/gpus',
      query: { include: 'AVAILABILITY', product: 'POD', count: q.count, cloud: q.cloud },
      signal,
      check: this.shape('GET', '/v2/catalog/gpus', SHAPES.gpus),
    });
    return res.data.gpus;
  }

  async spotPrices(signal?: AbortSignal): Promise<SpotPrice[]> {
    const res = await this.http.request<{ data?: { gpuTypes?: SpotPrice[] } }>({
      method: 'POST',
      path: '/graphql',
      body: { query: SPOT_PRICES_QUERY },
      // A read, so retrying it is safe even though it is a POST.
      retry: true,
      signal,
      check: (data, status) => {
        const errors = (data as { errors?: unknown[] } | undefined)?.errors;
        if (Array.isArray(errors) && errors.length > 0) return this.opts.graphqlError(errors);
        return this.shape('POST', '/graphql', SHAPES.spot)(data, status);
      },
    });
    return res.data.data?.gpuTypes ?? [];
  }

  /** Sent exactly once: `createOnce` decides about any retry after a look-up by name. */
  async createPod(body: CreatePodRequest, signal?: AbortSignal): Promise<Pod> {
    return (await this.http.request<Pod>({ method: 'POST', path: '/v2/pods', body, retry: false, signal, check: this.shape('POST', '/v2/pods', SHAPES.pod, true) })).data;
  }

  async getPod(id: string, signal?: AbortSignal): Promise<Pod> {
    const path = `/v2/pods/${encodeURIComponent(id)}`;
    return (await this.http.request<Pod>({ method: 'GET', path, signal, check: this.shape('GET', path, SHAPES.pod) })).data;
  }

  async listPods(signal?: AbortSignal): Promise<Pod[]> {
    return (await this.http.request<{ pods: Pod[] }>({ method: 'GET', path: '/v2/pods', signal, check: this.shape('GET', '/v2/pods', SHAPES.pods) })).data.pods;
  }

  /** stop/start/restart answer 200 with the pod. Retried: repeating a stop at worst meets a 409 the caller reads. */
  async podAction(id: string, action: Exclude<PodAction, 'terminate'>, signal?: AbortSignal): Promise<Pod> {
    const path = `/v2/pods/${encodeURIComponent(id)}/action`;
    return (await this.http.request<Pod>({ method: 'POST', path, body: { action }, retry: true, signal, check: this.shape('POST', path, SHAPES.pod) })).data;
  }

  /** 204 on success; 404 once the pod is gone. */
  async deletePod(id: string, signal?: AbortSignal): Promise<void> {
    await this.http.request({ method: 'DELETE', path: `/v2/pods/${encodeURIComponent(id)}`, signal });
  }

  async listNetworkVolumes(signal?: AbortSignal): Promise<NetworkVolume[]> {
    const path = '/v2/network-volumes';
    return (await this.http.request<{ networkVolumes: NetworkVolume[] }>({ method: 'GET', path, signal, check: this.shape('GET', path, SHAPES.volumes) })).data.networkVolumes;
  }

  /** Sent once: a volume bills until deleted, so a lost answer is looked up by name, never sent again blindly. */
  async createNetworkVolume(body: { name: string; size: number; dataCenter: string }, signal?: AbortSignal): Promise<NetworkVolume> {
    const path = '/v2/network-volumes';
    return (await this.http.request<NetworkVolume>({ method: 'POST', path, body, retry: false, signal, check: this.shape('POST', path, SHAPES.volume, true) })).data;
  }

  /** 204 on success; 404 once it is gone. */
  async deleteNetworkVolume(id: string, signal?: AbortSignal): Promise<void> {
    await this.http.request({ method: 'DELETE', path: `/v2/network-volumes/${encodeURIComponent(id)}`, signal });
  }

  private shape(method: HttpMethod, path: string, schema: z.ZodType, create = false) {
    return shapeCheck(schema, { provider: 'runpod', method, path, urlVar: 'GPUBURST_RUNPOD_API_URL', create });
  }
}
