/**
 * Lambda Cloud (on-demand VMs) as a gpuburst Provider. A machine is a VM whose cloud-init `user_data` installs
 * Docker and runs the ComfyUI image (providers/bootstrap.ts); ComfyUI is reached on the VM's public IP through a
 * firewall ruleset opened for its port. Lambda has no stop and no spot. Reference: docs/reference/lambda.md.
 */
import { BILLING } from '../billing';
import { createOnce } from '../create-once';
import { BadInputError, CapacityError, NotFoundError, ProviderError, UnsupportedError } from '../errors';
import { filterOffers } from '../offer-filter';
import { registerSecret } from '../redact';
import { waitUntilReady } from '../wait';
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
import type { LambdaApi, LaunchRequest } from './api';
import { CACHE_CAPABILITY, filesystemBody, toCache } from './cache';
import { goneMachine, isOurs, lambdaName, createBody, toMachine } from './machine';
import { gpuInfo } from './mapping';
import { offersOf, parseOfferId } from './offers';
import type { Prerequisites } from './prerequisites';
import type { LambdaSettings } from './settings';

export const CAPABILITIES: Capabilities = {
  stop: {
    supported: false,
    reason: 'Lambda has no stop or pause; only terminate ends billing, and it erases the local disk',
    billsWhileStopped: 'not applicable: a Lambda instance bills until it is terminated',
  },
  interruptible: { supported: false, reason: 'Lambda sells on-demand instances only (no spot or interruptible tier)' },
  selfTerminate: {
    supported: true,
    via: 'account-key',
    needsRemoteKey: true,
    reason:
      'Lambda has no machine-scoped key or metadata service, so the watchdog needs an account API key; Lambda keys have full access to every API operation of the account (launch, terminate, list)',
    withoutRemoteKey: 'client-side teardown only: if gpuburst dies, the instance bills until `gpuburst sweep` or a manual terminate',
  },
  modelCache: CACHE_CAPABILITY,
  billing: BILLING.lambda,
};

export class LambdaProvider implements Provider {
  readonly name = 'lambda' as const;

  constructor(private readonly api: LambdaApi, private readonly prereq: Prerequisites, private readonly settings: LambdaSettings) {}

  capabilities(): Capabilities {
    return CAPABILITIES;
  }

  async listOffers(opts: ListOffersOptions): Promise<Offer[]> {
    if (opts.interruptible === true) return [];
    const types = await this.api.instanceTypes(opts.signal);
    return filterOffers(Object.entries(types).flatMap(([name, item]) => offersOf(name, item)), opts);
  }

  async createMachine({ spec, signal }: CreateMachineOptions): Promise<Machine> {
    const { type, region } = await this.placement(spec.offerId, signal);
    // Lambda refuses a filesystem from another region (file-system-in-wrong-region); say so before launching.
    if (spec.cache && spec.cache.region !== region) {
      throw new BadInputError(`lambda: cache ${spec.cache.name} is in ${spec.cache.region}; offer ${spec.offerId} launches in ${region}`, { provider: 'lambda' });
    }
    const body = createBody(spec, {
      type,
      region,
      sshKeyName: await this.prereq.sshKeyName(signal),
      firewallRulesets: await this.prereq.firewallRulesets(region, signal),
      imageFamily: this.settings.imageFamily,
    });
    const gpu = gpuInfo(type);
    return createOnce<Machine>({
      send: async () => {
        const id = await this.launchOne(body, signal);
        return { provider: 'lambda', id, name: body.name, sessionId: spec.sessionId, status: 'booting', providerStatus: 'booting', gpu: gpu?.gpu, gpuCount: gpu?.gpuCount, region };
      },
      lookup: async () => (await this.listMachines({ name: spec.name, signal }))[0],
      settleMs: this.settings.createSettleMs,
      signal,
      log: this.settings.log,
    });
  }

  async getMachine({ id, signal }: MachineRef): Promise<Machine> {
    try {
      return toMachine(await this.api.getInstance(id, signal), this.settings.comfyPort);
    } catch (err) {
      if (err instanceof NotFoundError) return goneMachine(id);
      throw err;
    }
  }

  waitUntilReady(opts: WaitUntilReadyOptions): Promise<Machine> {
    return waitUntilReady(() => this.getMachine({ id: opts.id, signal: opts.signal }), opts);
  }

  async stopMachine({ id }: MachineRef): Promise<void> {
    throw new UnsupportedError(`lambda: ${CAPABILITIES.stop.reason}`, { provider: 'lambda', machineId: id });
  }

  async startMachine({ id }: MachineRef): Promise<void> {
    throw new UnsupportedError(`lambda: ${CAPABILITIES.stop.reason}`, { provider: 'lambda', machineId: id });
  }

  async terminateMachine({ id, signal }: MachineRef): Promise<void> {
    try {
      await this.api.terminate([id], signal);
    } catch (err) {
      // Already gone (terminated earlier or never launched) is what the caller wanted.
      if (err instanceof NotFoundError) return;
      throw err;
    }
  }

  async listMachines({ name, signal }: ListMachinesOptions): Promise<Machine[]> {
    const wanted = name === undefined ? undefined : lambdaName(name);
    return (await this.api.listInstances(signal))
      .filter((i) => isOurs(i) && (wanted === undefined || i.name === wanted))
      .map((i) => toMachine(i, this.settings.comfyPort));
  }

  killSwitch({ name, remoteKey }: KillSwitchOptions): KillSwitch {
    if (!remoteKey) {
      throw new UnsupportedError(`lambda: a watchdog needs an account API key on the machine; ${CAPABILITIES.selfTerminate.withoutRemoteKey}`, { provider: 'lambda' });
    }
    registerSecret(remoteKey);
    const headers = { Authorization: 'Bearer ${GPUBURST_REMOTE_KEY}' };
    return {
      env: { GPUBURST_API_URL: this.settings.apiBaseUrl, GPUBURST_REMOTE_KEY: remoteKey },
      // Lambda has no metadata service: the machine finds its own id by its unique name (docs/reference/lambda.md §8).
      // Lambda keeps at most 64 characters of a name: look up the name it stores, not the spec's.
      lookup: { url: '${GPUBURST_API_URL}/instances', headers, listPath: 'data', nameField: 'name', idField: 'id', name: lambdaName(name) },
      terminate: {
        method: 'POST',
        url: '${GPUBURST_API_URL}/instance-operations/terminate',
        headers: { ...headers, 'Content-Type': 'application/json' },
        body: '{"instance_ids":["${MACHINE_ID}"]}',
      },
    };
  }

  /**
   * An instance is all gpuburst launches; the SSH key and firewall rulesets are shared and kept for the next launch,
   * and filesystems are the user's model caches (never swept).
   */
  async sweepLeftovers(): Promise<Leftover[]> {
    return [];
  }

  async listCaches({ signal }: ListCachesOptions): Promise<ModelCache[]> {
    return (await this.api.listFilesystems(signal)).map(toCache);
  }

  async createCache({ name, region, signal }: CreateCacheOptions): Promise<ModelCache> {
    const body = filesystemBody(name, region);
    const fs = await createOnce({
      send: () => this.api.createFilesystem(body, signal),
      lookup: async () => (await this.api.listFilesystems(signal)).find((f) => f.name === name),
      settleMs: this.settings.createSettleMs,
      signal,
      log: this.settings.log,
    });
    return toCache(fs);
  }

  /** Lambda refuses while an instance has it mounted (filesystems/filesystem-in-use, a ProviderError). */
  async deleteCache({ id, signal }: MachineRef): Promise<void> {
    try {
      await this.api.deleteFilesystem(id, signal);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
  }

  /** Instance type and region of an offer; an offer listed without capacity takes the first region that has some. */
  private async placement(offerId: string, signal?: AbortSignal): Promise<{ type: string; region: string }> {
    const parsed = parseOfferId(offerId);
    if (!parsed) throw new BadInputError(`lambda: "${offerId}" is not a Lambda offer id (expected <instance type>:<region>)`, { provider: 'lambda' });
    const { type, region } = parsed;
    if (region) return { type, region };
    const item = (await this.api.instanceTypes(signal))[type];
    if (!item) throw new BadInputError(`lambda: unknown instance type "${type}"`, { provider: 'lambda' });
    const first = item.regions_with_capacity_available[0];
    if (!first) throw new CapacityError(`lambda: ${type} has no capacity in any region now`, { provider: 'lambda' });
    return { type, region: first.name };
  }

  /** Launch returns ids only; exactly one is expected, anything else is cleaned up rather than left billing. */
  private async launchOne(body: LaunchRequest, signal?: AbortSignal): Promise<string> {
    const { instance_ids: ids } = await this.api.launch(body, signal);
    if (ids?.length === 1) return ids[0];
    if (ids?.length) await this.api.terminate(ids, signal).catch(() => undefined);
    throw new ProviderError(`lambda: launch answered ${ids?.length ?? 0} instance ids instead of 1`, { provider: 'lambda', machineId: ids?.[0] });
  }
}
