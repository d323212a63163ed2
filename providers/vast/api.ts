/**
 * Thin typed client of the Vast.ai REST API (v0, plus the v1 paginated instance list). Shapes follow
 * docs/reference/vast.md; only the fields the adapter reads are typed.
 */
import { z } from 'zod';
import { HttpClient, HttpFailure, HttpMethod, RateRule } from '../http';
import type { GpuburstError } from '../errors';
import { shapeCheck } from '../response';
import type { VastEndpoint, VastSettings } from './settings';

export interface VastOffer {
  id: number;
  gpu_name: string;
  num_gpus: number;
  /** MB. */
  gpu_ram: number;
  /** $/h for the whole offer, storage at `allocated_storage` included. */
  dph_total: number;
  dph_base: number;
  /** Minimum interruptible price, $/h. */
  min_bid: number;
  /** $/GB/month. */
  storage_cost?: number;
  inet_down?: number;
  geolocation?: string | null;
  rentable?: boolean;
  rented?: boolean;
}

type PortMap = Record<string, { HostIp: string; HostPort: string }[] | null>;

export interface VastInstance {
  id: number;
  actual_status: string | null;
  intended_status?: string | null;
  cur_state?: string | null;
  label?: string | null;
  status_msg?: string | null;
  /** May carry trailing whitespace (docs/reference/vast.md §4). */
  public_ipaddr?: string | null;
  /** Only present while running. */
  ports?: PortMap | null;
  /** `[[key, value], ...]` on the wire; the official SDK turns it into a dict. */
  extra_env?: [string, string][] | Record<string, string> | null;
  gpu_name?: string;
  num_gpus?: number;
  gpu_ram?: number;
  dph_total?: number;
  storage_cost?: number;
  disk_space?: number;
  geolocation?: string | null;
  start_date?: number;
  is_bid?: boolean;
}

/** Query-language filters: `"field": {"op": value}` plus `order`, `limit`, `type`, `allocated_storage`. */
export type OfferQuery = Record<string, unknown>;

export interface CreateBody {
  client_id: 'me';
  image: string;
  label: string;
  disk: number;
  env: Record<string, string>;
  runtype: string;
  onstart?: string;
  cancel_unavail: boolean;
  price?: number;
}

export interface CreateResponse {
  success: boolean;
  new_contract: number;
  instance_api_key?: string;
}

export interface InstancePage {
  instances: VastInstance[];
  next_token?: string | null;
}

export interface ListPageParams {
  selectFilters: Record<string, unknown>;
  afterToken?: string;
  signal?: AbortSignal;
}

/** What the adapter reads of each answer (docs/reference/vast.md §2, §4); other fields pass unchecked. */
const OFFER = z.looseObject({ id: z.number(), gpu_name: z.string(), num_gpus: z.number(), gpu_ram: z.number(), dph_total: z.number() });
const INSTANCE = z.looseObject({ id: z.number() });
const SHAPES = {
  offers: z.looseObject({ offers: z.array(OFFER) }),
  // The key must be there: `null` means "no such instance", a missing key means we are not reading Vast's answer.
  show: z.looseObject({ instances: INSTANCE.nullable() }),
  list: z.looseObject({ instances: z.array(INSTANCE), next_token: z.string().nullish() }),
  create: z.looseObject({ new_contract: z.number() }),
};

function shape(method: HttpMethod, path: string, schema: z.ZodType, create = false) {
  return shapeCheck(schema, { provider: 'vast', method, path, urlVar: 'GPUBURST_VAST_API_URL', create });
}

export class VastApi {
  constructor(
    private readonly v0: HttpClient,
    private readonly v1: HttpClient,
    private readonly translate: (f: HttpFailure) => GpuburstError,
  ) {}

  async searchOffers(query: OfferQuery, signal?: AbortSignal): Promise<VastOffer[]> {
    // A search is a read: safe to retry although it is a POST.
    const res = await this.v0.request<{ offers: VastOffer[] }>({ method: 'POST', path: '/bundles/', body: query, retry: true, signal, check: shape('POST', '/bundles/', SHAPES.offers) });
    return res.data.offers;
  }

  /** Sent once: the caller owns the look-up-before-retry rule (providers/create-once.ts). */
  async createInstance(askId: number, body: CreateBody, signal?: AbortSignal): Promise<CreateResponse> {
    const path = `/asks/${askId}/`;
    // A 200 without a contract is still a refusal (some endpoints answer `success: false` with 200).
    // A page instead of JSON says nothing about whether the contract exists: transient, so create-once looks it up.
    const check = (data: unknown, status: number) =>
      typeof data !== 'object' || data === null
        ? shape('PUT', path, SHAPES.create, true)(data, status)
        : (data as CreateResponse).new_contract
          ? undefined
          : this.translate({ status, headers: {}, data, method: 'PUT', path });
    const res = await this.v0.request<CreateResponse>({ method: 'PUT', path, body, retry: false, signal, check });
    return res.data;
  }

  /** `{"instances": {...}}`: one object under a plural key, `null` when the id is unknown (docs/reference/vast.md §4). */
  async showInstance(id: number, signal?: AbortSignal): Promise<VastInstance | null> {
    const path = `/instances/${id}/`;
    const res = await this.v0.request<{ instances?: VastInstance | null }>({ method: 'GET', path, query: { owner: 'me' }, signal, check: shape('GET', path, SHAPES.show) });
    return res.data.instances ?? null;
  }

  /** One page (max 25) of `GET /api/v1/instances/`; query values are JSON strings (docs/reference/vast.md §4). */
  async listInstancesPage(p: ListPageParams): Promise<InstancePage> {
    const res = await this.v1.request<InstancePage>({
      method: 'GET',
      path: '/instances/',
      query: {
        select_filters: JSON.stringify(p.selectFilters),
        order_by: JSON.stringify([{ col: 'id', dir: 'asc' }]),
        limit: 25,
        after_token: p.afterToken,
      },
      signal: p.signal,
      check: shape('GET', '/v1/instances/', SHAPES.list),
    });
    return { instances: res.data.instances, next_token: res.data.next_token ?? null };
  }

  async setState(id: number, state: 'stopped' | 'running', signal?: AbortSignal): Promise<void> {
    await this.v0.request({ method: 'PUT', path: `/instances/${id}/`, body: { state }, signal });
  }

  async destroyInstance(id: number, signal?: AbortSignal): Promise<void> {
    await this.v0.request({ method: 'DELETE', path: `/instances/${id}/`, signal });
  }
}

/** Which rate-limited endpoint a request hits; undefined for paths we do not pace. */
export function endpointOf(api: 'v0' | 'v1', method: HttpMethod, path: string): VastEndpoint | undefined {
  if (api === 'v1') return method === 'GET' && /^\/instances\/?$/.test(path) ? 'list' : undefined;
  if (method === 'POST' && /^\/bundles\/?$/.test(path)) return 'search';
  if (method === 'PUT' && /^\/asks\/\d+\/?$/.test(path)) return 'create';
  if (!/^\/instances\/\d+\/?$/.test(path)) return undefined;
  return method === 'GET' ? 'show' : method === 'PUT' ? 'manage' : method === 'DELETE' ? 'destroy' : undefined;
}

export function createVastApi(s: VastSettings, translate: (f: HttpFailure) => GpuburstError): VastApi {
  const client = (api: 'v0' | 'v1', baseUrl: string) =>
    new HttpClient({
      provider: 'vast',
      baseUrl,
      headers: { Authorization: `Bearer ${s.apiKey}` },
      timeoutMs: s.timeoutMs,
      maxRetries: s.maxRetries,
      translate: (f) => translate({ ...f, path: api === 'v1' ? `/v1${f.path}` : f.path }),
      log: s.log,
      rateRules: rateRules(api, s),
    });
  return new VastApi(client('v0', s.v0Url), client('v1', s.v1Url), translate);
}

/** Added to each interval: Vast measures arrivals, and two sends exactly one interval apart can arrive closer. */
const PACING_MARGIN_MS = 100;

function rateRules(api: 'v0' | 'v1', s: VastSettings): RateRule[] {
  return (Object.keys(s.minIntervalSeconds) as VastEndpoint[])
    .filter((e) => s.minIntervalSeconds[e] > 0)
    .map((e) => ({
      name: e,
      minIntervalMs: s.minIntervalSeconds[e] * 1000 + PACING_MARGIN_MS,
      match: (m: HttpMethod, p: string) => endpointOf(api, m, p) === e,
    }));
}
