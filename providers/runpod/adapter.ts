/**
 * RunPod adapter over REST v2 (GraphQL only for spot prices). Quirks, each with its reference section:
 * - No labels: every pod is named `gpuburst-…` and carries GPUBURST_SESSION in its env; listing is client-side,
 *   since v2 has no name filter (docs/reference/runpod.md §9).
 * - Status RUNNING comes before the container serves anything: the endpoint is given only once `runtime` is non-null
 *   and lists port 8188, and `ready` only after the caller's probe through the HTTP proxy (§4.4, §5).
 * - Spot pods cannot be created over v2 (§1): their prices are listed, creating one is unsupported.
 * - Stop works but keeps billing the volume disk, and a stopped pod may not resume (§6).
 * - The watchdog terminates its own pod with the pod-scoped key RunPod injects (§8), over v2 since v1 retires.
 */
import { BILLING } from '../billing';
import { createOnce } from '../create-once';
import { GpuburstError, NotFoundError, ProviderError, UnsupportedError } from '../errors';
import { filterOffers } from '../offer-filter';
import type {
  Capabilities,
  CreateCacheOptions,
  CreateMachineOptions,
  KillSwitch,
  KillSwitchOptions,
  Leftover,
  ListCachesOptions,
  ListMachinesOptions,
  ListOffersOptions,
  Machine,
  MachineRef,
  ModelCache,
  Offer,
  Provider,
  WaitUntilReadyOptions,
} from '../types';
import { MACHINE_NAME_PREFIX } from '../types';
import { waitUntilReady } from '../wait';
import { RunpodApi, SpotPrice } from './api';
import { CACHE_CAPABILITY, toCache, volumeBody } from './cache';
import { createBody, goneMachine, toMachine } from './machine';
import { graphqlError, translate } from './mapping';
import { CatalogByCloud, onDemandOffers, parseOfferId, spotOffers } from './offers';
import type { RunpodSettings } from './settings';

export const CAPABILITIES: Capabilities = {
  stop: {
    supported: true,
    reason: 'RunPod can stop a pod, which releases the GPU and ends compute billing.',
    billsWhileStopped:
      'RunPod keeps billing the volume disk of a stopped pod ($0.20/GB/month, twice the running rate), and a stopped pod stays tied to its host: resuming can fail or come back with zero GPUs.',
    // "Container disk data is cleared" on stop (docs/reference/runpod.md §6), and gpuburst's pods have no volume: outputs go with it.
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
  modelCache: CACHE_CAPABILITY,
  billing: BILLING.runpod,
};

export class RunpodProvider implements Provider {
  readonly name = 'runpod' as const;
  private readonly api: RunpodApi;

  constructor(private readonly settings: RunpodSettings) {
    const capacityMatch = settings.capacityMatch;
    this.api = new RunpodApi({
      baseUrl: settings.baseUrl,
      apiKey: settings.apiKey,
      timeoutMs: settings.timeoutMs,
      maxRetries: settings.maxRetries,
      translate: (f) => translate(f, { capacityMatch }),
      graphqlError: (errors) => graphqlError(errors, { capacityMatch }),
      log: settings.log,
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
    // Said only once the on-demand reads worked: with a refused key, their error is the one line the user needs.
    if (spot?.error) this.settings.log?.(`runpod: spot prices unavailable (${spot.error.code}): ${spot.error.message}`);
    const catalog: CatalogByCloud = { SECURE: secure, COMMUNITY: community };
    const offers = opts.interruptible === true ? [] : onDemandOffers(catalog, count, opts.region);
    if (spot && opts.region === undefined) offers.push(...spotOffers(catalog, spot.prices, count));
    return filterOffers(offers, opts);
  }

  /**
   * GraphQL retires in early 2027 and a restricted key may lack it: without spot prices we still list on-demand
   * offers (a bad key fails the v2 reads anyway), unless only spot offers were asked for.
   */
  private async spotPrices(opts: ListOffersOptions): Promise<{ prices: SpotPrice[]; error?: GpuburstError }> {
    try {
      return { prices: await this.api.spotPrices(opts.signal) };
    } catch (err) {
      if (opts.interruptible === true || !(err instanceof GpuburstError)) throw err;
      return { prices: [], error: err };
    }
  }

  async createMachine(opts: CreateMachineOptions): Promise<Machine> {
    const { spec, signal } = opts;
    const offer = parseOfferId(spec.offerId);
    if (offer.spot) throw new UnsupportedError(`runpod: ${CAPABILITIES.interruptible.reason}`, { provider: 'runpod' });
    const body = createBody(spec, offer);
    const pod = await createOnce({
      send: () => this.api.createPod(body, signal),
      lookup: async () => (await this.api.listPods(signal)).find((p) => p.name === spec.name),
      settleMs: this.settings.createSettleMs,
      signal,
      log: this.settings.log,
    });
    return toMachine(pod, this.settings.proxyUrl);
  }

  async getMachine(opts: MachineRef): Promise<Machine> {
    try {
      return toMachine(await this.api.getPod(opts.id, opts.signal), this.settings.proxyUrl);
    } catch (err) {
      if (err instanceof NotFoundError) return goneMachine(opts.id);
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
      .map((p) => toMachine(p, this.settings.proxyUrl));
  }

  /**
   * DELETE over v2 with the pod-scoped key RunPod injects as RUNPOD_API_KEY, never the account key: `remoteKey`
   * is ignored. v2 rather than the preinstalled runpodctl, which calls REST v1 (retiring, docs/reference/runpod.md §8).
   */
  killSwitch(_opts: KillSwitchOptions): KillSwitch {
    return {
      env: { GPUBURST_API_URL: this.settings.baseUrl },
      terminate: {
        method: 'DELETE',
        url: '${GPUBURST_API_URL}/v2/pods/${RUNPOD_POD_ID}',
        headers: { Authorization: 'Bearer ${RUNPOD_API_KEY}' },
      },
    };
  }

  /** A pod is all a session creates on RunPod; network volumes are the user's caches and are never swept. */
  async sweepLeftovers(): Promise<Leftover[]> {
    return [];
  }

  async listCaches(opts: ListCachesOptions): Promise<ModelCache[]> {
    return (await this.api.listNetworkVolumes(opts.signal)).map(toCache);
  }

  async createCache(opts: CreateCacheOptions): Promise<ModelCache> {
    const body = volumeBody(opts.name, opts.region, opts.sizeGb);
    const volume = await createOnce({
      send: () => this.api.createNetworkVolume(body, opts.signal),
      lookup: async () => (await this.api.listNetworkVolumes(opts.signal)).find((v) => v.name === body.name && v.dataCenter === body.dataCenter),
      settleMs: this.settings.createSettleMs,
      signal: opts.signal,
      log: this.settings.log,
    });
    return toCache(volume);
  }

  async deleteCache(opts: MachineRef): Promise<void> {
    try {
      await this.api.deleteNetworkVolume(opts.id, opts.signal);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
  }
}
