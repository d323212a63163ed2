/**
 * The `local` target: ComfyUI servers the user already runs (e.g. two GPUs on ports 8188 and 8189, as in the seed).
 * gpuburst does not own them: "create" claims a server, "terminate" releases the claim, nothing is ever stopped,
 * and a sweep never lists them. Offers cost $0/h.
 */
import { BILLING } from '../billing';
import { HttpClient } from '../http';
import { BadInputError, TransientError, UnsupportedError } from '../errors';
import { withoutModelCache } from '../no-cache';
import { waitUntilReady } from '../wait';
import { filterOffers } from '../offer-filter';
import type { Capabilities, CreateMachineOptions, KillSwitch, Leftover, ListOffersOptions, Machine, MachineRef, Offer, Provider, WaitUntilReadyOptions } from '../types';
import { gpuFromDevice, SystemStats, vramGbFromStats } from './mapping';

export const CAPABILITIES: Capabilities = {
  stop: { supported: false, reason: 'local ComfyUI servers belong to you; gpuburst never stops them', billsWhileStopped: 'nothing: local servers cost no rent' },
  interruptible: { supported: false, reason: 'local servers are not rented' },
  selfTerminate: {
    supported: false,
    via: 'none',
    needsRemoteKey: false,
    reason: 'nothing to terminate: the server is yours',
    withoutRemoteKey: 'nothing to terminate: the server is yours',
  },
  modelCache: {
    supported: false,
    reason: 'local servers keep their own model folders; nothing to cache',
    usdPerGbMonth: 0,
    billedOn: 'allocated',
  },
  billing: BILLING.local,
};

export class LocalProvider implements Provider {
  readonly name = 'local' as const;
  private readonly clients = new Map<string, HttpClient>();
  private readonly claims = new Map<string, string>();

  constructor(private readonly urls: string[], private readonly timeoutMs = 5000) {
    if (urls.length === 0) throw new BadInputError('local: no ComfyUI URL given; pass --comfy-url http://127.0.0.1:8188 (once per server)');
    for (const u of urls) {
      if (!/^https?:\/\/[^/]+/.test(u)) throw new BadInputError(`local: "${u}" is not a ComfyUI URL; expected e.g. http://127.0.0.1:8188`);
    }
  }

  capabilities(): Capabilities {
    return CAPABILITIES;
  }

  async listOffers(opts: ListOffersOptions = {}): Promise<Offer[]> {
    const offers = await Promise.all(
      this.urls.map(async (url) => {
        const stats = await this.stats(url).catch(() => undefined);
        return {
          provider: 'local' as const,
          offerId: url,
          gpu: gpuFromDevice(stats?.devices?.[0]?.name),
          gpuCount: 1,
          vramGb: stats ? vramGbFromStats(stats) : 0,
          usdPerHour: 0,
          interruptible: false,
          region: 'local',
          available: stats !== undefined,
          live: true,
        };
      }),
    );
    return filterOffers(offers, opts);
  }

  async createMachine({ spec }: CreateMachineOptions): Promise<Machine> {
    if (!this.urls.includes(spec.offerId)) throw new BadInputError(`local: ${spec.offerId} is not one of the --comfy-url servers`);
    this.claims.set(spec.offerId, spec.name);
    return this.getMachine({ id: spec.offerId });
  }

  async getMachine({ id }: MachineRef): Promise<Machine> {
    const stats = await this.stats(id).catch(() => undefined);
    return {
      provider: 'local',
      id,
      name: this.claims.get(id) ?? id,
      status: stats ? 'running' : 'failed',
      providerStatus: stats ? 'answering' : 'not answering',
      gpu: gpuFromDevice(stats?.devices?.[0]?.name),
      gpuCount: 1,
      usdPerHour: 0,
      endpoint: id,
      region: 'local',
      message: stats ? undefined : `no ComfyUI answers at ${id}`,
    };
  }

  waitUntilReady(opts: WaitUntilReadyOptions): Promise<Machine> {
    return waitUntilReady(() => this.getMachine(opts), opts);
  }

  async stopMachine(): Promise<void> {
    throw new UnsupportedError(`local: ${CAPABILITIES.stop.reason}`, { provider: 'local' });
  }

  async startMachine(): Promise<void> {
    // Nothing to start: gpuburst never stopped it.
  }

  async terminateMachine({ id }: MachineRef): Promise<void> {
    this.claims.delete(id);
  }

  async listMachines(): Promise<Machine[]> {
    return [];
  }

  /** No model cache here: every call refused with capabilities().modelCache.reason. */
  private readonly noCache = withoutModelCache('local', CAPABILITIES);
  readonly listCaches = this.noCache.listCaches;
  readonly createCache = this.noCache.createCache;
  readonly deleteCache = this.noCache.deleteCache;

  /** gpuburst creates nothing on your servers. */
  async sweepLeftovers(): Promise<Leftover[]> {
    return [];
  }

  killSwitch(): KillSwitch {
    throw new UnsupportedError(`local: ${CAPABILITIES.selfTerminate.reason}`, { provider: 'local' });
  }

  private async stats(url: string): Promise<SystemStats> {
    let client = this.clients.get(url);
    if (!client) {
      client = new HttpClient({
        provider: 'local',
        baseUrl: url,
        timeoutMs: this.timeoutMs,
        maxRetries: 0,
        translate: (f) => new TransientError(`local: ${url} answered ${f.status}`, { provider: 'local', status: f.status }),
      });
      this.clients.set(url, client);
    }
    return (await client.request<SystemStats>({ method: 'GET', path: '/system_stats' })).data;
  }
}
