/**
 * The Vast.ai adapter. Offers are asks found with `POST /bundles/`; a machine is an instance rented on an ask with
 * `PUT /asks/{id}/`, labelled with its unique name and carrying the session id in an env marker; ComfyUI is
 * reached on the host's mapped port. Reference: docs/reference/vast.md.
 */
import { BILLING } from '../billing';
import { createOnce } from '../create-once';
import { BadInputError, GpuburstError, NotFoundError } from '../errors';
import { withoutModelCache } from '../no-cache';
import { filterOffers } from '../offer-filter';
import { registerSecret } from '../redact';
import type {
  Capabilities,
  CreateMachineOptions,
  KillSwitch,
  KillSwitchOptions,
  Leftover,
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
import type { VastApi, VastInstance } from './api';
import { createBody, labelFor, toMachine } from './machine';
import { buildOfferQuery, parseOfferId, toOffers } from './offers';
import type { VastSettings } from './settings';

export const CAPABILITIES: Capabilities = {
  stop: {
    supported: true,
    reason: 'Vast can stop an instance and start it again later on the same host.',
    billsWhileStopped:
      'Storage (the disk) keeps billing every second while stopped; a restart can wait in "scheduling" if someone else rented the GPU meanwhile.',
  },
  interruptible: {
    supported: true,
    reason: 'Vast rents interruptibly by bid (at least the offer\'s min_bid); a higher bid can stop the instance at any time.',
  },
  selfTerminate: {
    supported: true,
    via: 'machine-scoped-key',
    needsRemoteKey: false,
    withoutRemoteKey: 'Nothing is lost: Vast injects CONTAINER_API_KEY, a key that can only start, stop or destroy its own instance.',
    reason: 'The watchdog destroys its own instance with the per-instance key Vast injects (CONTAINER_ID, CONTAINER_API_KEY).',
  },
  modelCache: {
    supported: false,
    reason: "Vast volumes are host-local: a volume is rented from one machine's volume slot and persists only on that host, so a cache would help only on the same host, which a new rental rarely is",
    usdPerGbMonth: 0,
    billedOn: 'allocated',
  },
  billing: BILLING.vast,
};

/** Most pages the instance list follows (25 per page) before giving up on a runaway cursor. */
const MAX_LIST_PAGES = 400;

export class VastProvider implements Provider {
  readonly name = 'vast' as const;

  constructor(
    private readonly api: VastApi,
    private readonly settings: VastSettings,
  ) {}

  capabilities(): Capabilities {
    return CAPABILITIES;
  }

  async listOffers(opts: ListOffersOptions): Promise<Offer[]> {
    const raw = await this.api.searchOffers(buildOfferQuery(opts, this.settings), opts.signal);
    return filterOffers(toOffers(raw, opts), opts);
  }

  async createMachine({ spec, signal }: CreateMachineOptions): Promise<Machine> {
    if (!spec.name.startsWith(MACHINE_NAME_PREFIX)) {
      throw new BadInputError(`vast: machine name "${spec.name}" must start with ${MACHINE_NAME_PREFIX}`, { provider: 'vast' });
    }
    const offer = parseOfferId(spec.offerId);
    const body = createBody(spec, { bootRuntype: this.settings.bootRuntype, bidUsdPerHour: offer.bidUsdPerHour });
    const pending = (id: number): Machine => ({
      provider: 'vast',
      id: String(id),
      name: spec.name,
      sessionId: spec.sessionId,
      status: 'pending',
      providerStatus: 'provisioning',
    });
    return createOnce<Machine>({
      send: async () => {
        try {
          const res = await this.api.createInstance(offer.askId, body, signal);
          registerSecret(res.instance_api_key);
          return pending(res.new_contract);
        } catch (err) {
          throw await this.cleanUpFailedCreate(err, signal);
        }
      },
      lookup: async () => (await this.listMachines({ name: spec.name, signal }))[0],
      settleMs: this.settings.createSettleMs,
      signal,
      log: this.settings.log,
    });
  }

  async getMachine({ id, signal }: MachineRef): Promise<Machine> {
    const inst = await this.api.showInstance(instanceId(id), signal).catch((err) => {
      if (err instanceof NotFoundError) return null;
      throw err;
    });
    if (!inst) return { provider: 'vast', id, name: '', status: 'terminated', providerStatus: 'destroyed' };
    return toMachine(inst, this.settings.comfyPort);
  }

  waitUntilReady(opts: WaitUntilReadyOptions): Promise<Machine> {
    return waitUntilReady(() => this.getMachine({ id: opts.id, signal: opts.signal }), opts);
  }

  /** Compute billing ends; the disk keeps billing (see capabilities). */
  async stopMachine({ id, signal }: MachineRef): Promise<void> {
    await this.api.setState(instanceId(id), 'stopped', signal);
  }

  async startMachine({ id, signal }: MachineRef): Promise<void> {
    await this.api.setState(instanceId(id), 'running', signal);
  }

  async terminateMachine({ id, signal }: MachineRef): Promise<void> {
    try {
      await this.api.destroyInstance(instanceId(id), signal);
    } catch (err) {
      // `not_found` / `no_such_instance`: already gone, which is what we wanted.
      if (err instanceof NotFoundError) return;
      throw err;
    }
  }

  async listMachines({ name, signal }: ListMachinesOptions): Promise<Machine[]> {
    // The v1 list filters on label server-side; a prefix cannot be expressed, so "all ours" is filtered here.
    const selectFilters = name ? { label: { eq: labelFor(name) } } : {};
    const found: VastInstance[] = [];
    let afterToken: string | undefined;
    for (let page = 0; page < MAX_LIST_PAGES; page++) {
      const res = await this.api.listInstancesPage({ selectFilters, afterToken, signal });
      found.push(...res.instances);
      if (!res.next_token) break;
      afterToken = res.next_token;
    }
    return found
      .filter((i) => (name ? i.label === labelFor(name) : (i.label ?? '').startsWith(MACHINE_NAME_PREFIX)))
      .map((i) => toMachine(i, this.settings.comfyPort));
  }

  /** The per-instance key Vast injects is enough: no account key ever goes to the machine. */
  killSwitch(_opts: KillSwitchOptions): KillSwitch {
    return {
      env: { GPUBURST_API_URL: this.settings.v0Url },
      terminate: {
        method: 'DELETE',
        url: '${GPUBURST_API_URL}/instances/${CONTAINER_ID}/',
        headers: { Authorization: 'Bearer ${CONTAINER_API_KEY}' },
      },
    };
  }

  /** No model cache here: every call refused with capabilities().modelCache.reason. */
  private readonly noCache = withoutModelCache('vast', CAPABILITIES);
  readonly listCaches = this.noCache.listCaches;
  readonly createCache = this.noCache.createCache;
  readonly deleteCache = this.noCache.deleteCache;

  /** An instance is all gpuburst creates on Vast. */
  async sweepLeftovers(): Promise<Leftover[]> {
    return [];
  }

  /**
   * A refused create can still leave a contract behind (a bid below the minimum leaves a stopped instance whose
   * id comes back as `new_contract`, docs/reference/vast.md §10.5): destroy it so nothing keeps billing storage.
   */
  private async cleanUpFailedCreate(err: unknown, signal?: AbortSignal): Promise<unknown> {
    if (!(err instanceof GpuburstError) || !err.machineId || err.retryable) return err;
    try {
      await this.terminateMachine({ id: err.machineId, signal });
    } catch {
      // The error still carries machineId, so the caller's teardown can try again.
      this.settings.log?.(`vast: could not destroy contract ${err.machineId} left by a refused create; it is still billing storage`);
    }
    return err;
  }
}

function instanceId(id: string): number {
  if (!/^\d+$/.test(id.trim())) throw new BadInputError(`vast: "${id}" is not a Vast instance id (digits only)`, { provider: 'vast' });
  return Number(id);
}
