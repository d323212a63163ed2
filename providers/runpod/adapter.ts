/**
 * RunPod adapter over REST v2 (GraphQL only for spot prices). Quirks, each with its reference section:
 * - No labels: every pod is named `gpuburst-…` and carries GPUBURST_SESSION in its env; listing is client-side,
 *   since v2 has no name filter (runpod.md §9).
 * - Status RUNNING comes before the container serves anything: the endpoint is given only once `runtime` is non-null
 *   and lists port 8188, and `ready` only after the caller's probe through the HTTP proxy (§4.4, §5).
 * - Spot pods cannot be created over v2 (§1): their prices are listed, creating one is unsupported.
 * - Stop works but keeps billing the volume disk, and a stopped pod may not resume (§6).
 * - The watchdog terminates its own pod with the pod-scoped key RunPod injects (§8), over v2 since v1 retires.
 *
 * Settings (GPUBURST_RUNPOD_*): PROXY_URL (endpoint template with {podId} and {port}), TIMEOUT_MS, MAX_RETRIES,
 * CREATE_SETTLE_MS (wait before looking up a create that failed ambiguously), CAPACITY_MATCH (regex of capacity
 * wording in 400 details).
 */
import { createOnce } from '../create-once';
import { BadInputError, GpuburstError, NotFoundError, ProviderError, UnsupportedError } from '../errors';
import type { ProviderConfig } from '../config';
import type {
  Capabilities,
  CreateMachineOptions,
  KillSwitch,
  KillSwitchOptions,
  ListMachinesOptions,
  ListOffersOptions,
  Machine,
  MachineRef,
  Offer,
  Provider,
  WaitUntilReadyOptions,
} from '../types';
import { MACHINE_NAME_PREFIX } from '../types';
import { waitUntilReady } from '../wait';
import { Pod, RunpodApi, SpotPrice } from './api';
import { DEFAULT_CAPACITY_MATCH, gpuName, graphqlError, machineStatus, translate } from './mapping';
import { CatalogByCloud, filterOffers, onDemandOffers, parseOfferId, spotOffers } from './offers';
import { buildCreateRequest, SESSION_ENV } from './pod-spec';

export const DEFAULT_PROXY_URL = 'https://{podId}-{port}.proxy.runpod.net';
export const COMFY_PORT = 8188;

const CAPABILITIES: Capabilities = {
  stop: {
    supported: true,
    reason: 'RunPod can stop a pod, which releases the GPU and ends compute billing.',
    billsWhileStopped:
      'RunPod keeps billing the volume disk of a stopped pod ($0.20/GB/month, twice the running rate), and a stopped pod stays tied to its host: resuming can fail or come back with zero GPUs.',
    // "Container disk data is cleared" on stop (runpod.md §6), and gpuburst's pods have no volume: outputs go with it.
    keepsOutputs: false,
  },
  interruptible: {
    supported: false,
    reason: "RunPod's REST v2 API cannot create spot (interruptible) pods; gpuburst lists their prices but creates on-demand pods only.",
  },
  selfTerminate: {
    supported: true,
    reason: 'RunPod injects RUNPOD_POD_ID and a pod-scoped RUNPOD_API_KEY into every pod, so the watchdog can delete its own pod.',
    via: 'machine-scoped-key',
    needsRemoteKey: false,
    withoutRemoteKey: 'Nothing is lost: the watchdog uses the pod-scoped key RunPod injects, never your account key.',
  },
  billing: {
    incrementSeconds: 1,
    minimumSeconds: 0,
    note: 'Compute and storage are billed per second; an on-demand deploy needs at least one hour of credit in the balance.',
  },
};

export class RunpodProvider implements Provider {
  readonly name = 'runpod' as const;
  private readonly api: RunpodApi;
  private readonly proxyUrl: string;
  private readonly settleMs: number;
  private readonly log?: (line: string) => void;

  constructor(private readonly config: ProviderConfig) {
    const extra = config.extra;
    const capacityMatch = extra.CAPACITY_MATCH ? pattern(extra.CAPACITY_MATCH) : DEFAULT_CAPACITY_MATCH;
    this.log = config.log;
    this.proxyUrl = extra.PROXY_URL?.trim() || DEFAULT_PROXY_URL;
    this.settleMs = numberOr(extra.CREATE_SETTLE_MS, 1000);
    this.api = new RunpodApi({
      baseUrl: config.baseUrl,
      apiKey: config.apiKey,
      timeoutMs: config.timeoutMs ?? numberOr(extra.TIMEOUT_MS, 30_000),
      // Enough for the usual mix of 429, 5xx, a reset and a slow answer in one read.
      maxRetries: numberOr(extra.MAX_RETRIES, 5),
      translate: (f) => translate(f, { capacityMatch }),
      graphqlError: (errors) => graphqlError(errors, { capacityMatch }),
      log: config.log,
    });
  }

  capabilities(): Capabilities {
    return CAPABILITIES;
  }

  async listOffers(opts: ListOffersOptions): Promise<Offer[]> {
    const count = opts.gpuCount ?? 1;
    // All reads at once: one round trip of latency, not two.
    const [secure, community, spot] = await Promise.all([
      this.api.listGpuTypes({ count, cloud: 'SECURE' }, opts.signal),
      this.api.listGpuTypes({ count, cloud: 'COMMUNITY' }, opts.signal),
      opts.interruptible === false ? undefined : this.spotPrices(opts),
    ]);
    const catalog: CatalogByCloud = { SECURE: secure, COMMUNITY: community };
    const offers = opts.interruptible === true ? [] : onDemandOffers(catalog, count);
    if (spot) offers.push(...spotOffers(catalog, spot, count));
    return filterOffers(offers, opts);
  }

  /**
   * GraphQL retires in early 2027 and a restricted key may lack it: without spot prices we still list on-demand
   * offers (a bad key fails the v2 reads anyway), unless only spot offers were asked for.
   */
  private async spotPrices(opts: ListOffersOptions): Promise<SpotPrice[]> {
    try {
      return await this.api.spotPrices(opts.signal);
    } catch (err) {
      if (opts.interruptible === true || !(err instanceof GpuburstError)) throw err;
      this.log?.(`runpod: spot prices unavailable (${err.code}): ${err.message}`);
      return [];
    }
  }

  async createMachine(opts: CreateMachineOptions): Promise<Machine> {
    const { spec, signal } = opts;
    const offer = parseOfferId(spec.offerId);
    if (offer.spot) throw new UnsupportedError(`runpod: ${CAPABILITIES.interruptible.reason}`, { provider: 'runpod' });
    const body = buildCreateRequest(spec, offer);
    const pod = await createOnce({
      send: () => this.api.createPod(body, signal),
      lookup: async () => (await this.api.listPods(signal)).find((p) => p.name === spec.name),
      settleMs: this.settleMs,
      signal,
      log: this.log,
    });
    return this.toMachine(pod);
  }

  async getMachine(opts: MachineRef): Promise<Machine> {
    try {
      return this.toMachine(await this.api.getPod(opts.id, opts.signal));
    } catch (err) {
      // v2 forgets a deleted pod: 404 (runpod.md §7.3).
      if (err instanceof NotFoundError) return { provider: 'runpod', id: opts.id, name: '', status: 'terminated', providerStatus: 'TERMINATED' };
      throw err;
    }
  }

  waitUntilReady(opts: WaitUntilReadyOptions): Promise<Machine> {
    return waitUntilReady(() => this.getMachine({ id: opts.id, signal: opts.signal }), opts);
  }

  async stopMachine(opts: MachineRef): Promise<void> {
    try {
      await this.api.podAction(opts.id, 'stop', opts.signal);
    } catch (err) {
      // 409 = stop is not valid now; fine when the pod is already stopped (e.g. our earlier attempt succeeded).
      if (!(err instanceof ProviderError && err.status === 409)) throw err;
      const pod = await this.api.getPod(opts.id, opts.signal);
      if (pod.status !== 'EXITED') throw err;
    }
  }

  async startMachine(opts: MachineRef): Promise<void> {
    try {
      await this.api.podAction(opts.id, 'start', opts.signal);
    } catch (err) {
      // 409: start is not valid now; fine when the pod already runs.
      if (!(err instanceof ProviderError && err.status === 409)) throw err;
      const pod = await this.api.getPod(opts.id, opts.signal);
      if (pod.status !== 'RUNNING' && pod.status !== 'STARTING') throw err;
    }
  }

  async terminateMachine(opts: MachineRef): Promise<void> {
    try {
      await this.api.deletePod(opts.id, opts.signal);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
  }

  async listMachines(opts: ListMachinesOptions): Promise<Machine[]> {
    const pods = await this.api.listPods(opts.signal);
    return pods
      .filter((p) => p.name.startsWith(MACHINE_NAME_PREFIX) && (opts.name === undefined || p.name === opts.name))
      .map((p) => this.toMachine(p));
  }

  /**
   * DELETE over v2 with the pod-scoped key RunPod injects as RUNPOD_API_KEY, never the account key: `remoteKey`
   * is ignored. v2 rather than the preinstalled runpodctl, which calls REST v1 (retiring, runpod.md §8).
   */
  killSwitch(_opts: KillSwitchOptions): KillSwitch {
    return {
      env: { GPUBURST_API_URL: this.config.baseUrl.replace(/\/+$/, '') },
      terminate: {
        method: 'DELETE',
        url: '${GPUBURST_API_URL}/v2/pods/${RUNPOD_POD_ID}',
        headers: { Authorization: 'Bearer ${RUNPOD_API_KEY}' },
      },
    };
  }

  private toMachine(pod: Pod): Machine {
    const status = machineStatus(pod.status);
    const machine: Machine = {
      provider: 'runpod',
      id: pod.id,
      name: pod.name,
      sessionId: pod.env?.[SESSION_ENV],
      status,
      providerStatus: pod.status,
      gpu: pod.gpu ? gpuName(pod.gpu.id) : undefined,
      gpuCount: pod.gpu?.count,
      usdPerHour: pod.cost,
      region: pod.dataCenterId ?? undefined,
      createdAt: pod.createdAt,
    };
    if (status === 'running' && this.comfyPublished(pod)) machine.endpoint = this.endpointOf(pod.id);
    if (pod.status === 'ERROR') machine.message = 'RunPod reports the container in an unrecoverable error state';
    return machine;
  }

  /** RunPod publishes port mappings only once the container runs, sometimes a while after RUNNING (§4.4). */
  private comfyPublished(pod: Pod): boolean {
    return Boolean(pod.runtime?.ports?.some((p) => p.private === COMFY_PORT));
  }

  private endpointOf(podId: string): string {
    return this.proxyUrl.replace(/\{podId\}/g, podId).replace(/\{port\}/g, String(COMFY_PORT)).replace(/\/+$/, '');
  }
}

function pattern(source: string): RegExp {
  try {
    return new RegExp(source, 'i');
  } catch {
    throw new BadInputError(`runpod: GPUBURST_RUNPOD_CAPACITY_MATCH is not a valid regular expression: ${source}`, { provider: 'runpod' });
  }
}

function numberOr(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && value.trim() !== '' && Number.isFinite(n) && n >= 0 ? n : fallback;
}

