/**
 * Paperspace (DigitalOcean) Core machines through the v1 API (paperspace.md). A VM per render machine: a run-once
 * startup script installs and starts the ComfyUI container; the endpoint is the machine's dynamic public IP.
 * No tags exist, so the `gpuburst-` name prefix marks our machines and the name carries the session id.
 */
import { vmBootstrapScript } from '../bootstrap';
import { createOnce } from '../create-once';
import { BadInputError, CapacityError, GpuburstError, NotFoundError, UnsupportedError } from '../errors';
import { HttpClient } from '../http';
import type { ProviderConfig } from '../config';
import { registerSecret } from '../redact';
import type {
  Capabilities,
  CreateMachineOptions,
  KillSwitch,
  KillSwitchOptions,
  ListMachinesOptions,
  ListOffersOptions,
  Machine,
  MachineRef,
  MachineSpec,
  Offer,
  Provider,
  WaitUntilReadyOptions,
} from '../types';
import { waitUntilReady } from '../wait';
import { CreateMachineBody, PaperspaceApi, PsMachine, PsScript } from './api';
import { PaperspaceSettings, readSettings } from './config';
import { goneMachine, judgeOff, LIFECYCLE_EVENTS, MachineView, toMachine } from './machine';
import { isOurs, parseMachineName, providerMachineName, translate } from './mapping';
import { listOffers, parseOfferId } from './offers';

/** Env var of the kill switch that names the machine; create rewrites it when Paperspace stores another name. */
const NAME_VAR = 'GPUBURST_MACHINE_NAME';
/** 8-GPU A100/H100 types need NVLink enabled (SkyPilot constants, paperspace.md §2). */
const NVLINK_TYPES = /^(H100|A100-80G)x8$/;
/** Auto-shutdown accepts 1 hour to 1 week (paperspace.md §8, [I]). */
const AUTO_SHUTDOWN_HOURS = { min: 1, max: 168 };

export class PaperspaceProvider implements Provider {
  readonly name = 'paperspace' as const;
  private readonly settings: PaperspaceSettings;
  private readonly api: PaperspaceApi;
  private readonly view: MachineView;
  private readonly templateIds = new Map<string, Promise<string>>();

  constructor(private readonly config: ProviderConfig) {
    this.settings = readSettings(config);
    registerSecret(config.apiKey);
    const translateFn = (f: Parameters<typeof translate>[0]) => translate(f, { capacityPattern: this.settings.capacityPattern });
    const http = new HttpClient({
      provider: 'paperspace',
      baseUrl: config.baseUrl,
      headers: { Authorization: `Bearer ${config.apiKey}` },
      timeoutMs: config.timeoutMs,
      maxRetries: this.settings.maxRetries,
      translate: translateFn,
      log: config.log,
    });
    this.api = new PaperspaceApi(http, { pageLimit: this.settings.pageLimit, templatesPath: this.settings.templatesPath, translate: translateFn });
    this.view = { comfyPort: this.settings.comfyPort, usdPerHour: this.settings.usdPerHour, capacityPattern: this.settings.capacityPattern };
  }

  capabilities(): Capabilities {
    return {
      stop: {
        supported: true,
        reason: 'Paperspace machines can be powered off; `off` is the only state without hourly compute fees.',
        billsWhileStopped: 'disk storage and public IPs (static ones until released) keep billing while the machine is off',
      },
      interruptible: { supported: false, reason: 'Paperspace has no spot or preemptible machines.' },
      selfTerminate: {
        supported: true,
        reason: 'Paperspace has no machine-scoped key: the watchdog deletes its machine with a team-scoped account key.',
        via: 'account-key',
        needsRemoteKey: true,
        withoutRemoteKey:
          "Paperspace's own auto-shutdown (from maxLifetimeHours) only powers the machine off — it does not delete it, so the disk keeps billing — plus client-side teardown.",
      },
      billing: {
        incrementSeconds: this.settings.billingIncrementSeconds,
        minimumSeconds: 0,
        note:
          'Granularity is unclear in the sources (legacy docs: destroy "prorated to the hour"; a third-party summary: per second); assumed per second, set GPUBURST_PAPERSPACE_BILLING_INCREMENT_SECONDS=3600 for hourly. Storage is billed until the machine is deleted.',
      },
    };
  }

  listOffers(opts: ListOffersOptions): Promise<Offer[]> {
    return listOffers(this.api, this.settings, opts, this.config.log);
  }

  async createMachine({ spec, signal }: CreateMachineOptions): Promise<Machine> {
    const { machineType, region } = parseOfferId(spec.offerId);
    const name = providerMachineName(spec.name, spec.sessionId);
    const diskSize = this.diskSizeFor(spec.diskGb);
    // A listing is not a reservation, but a "no" now saves a create that would only land in `off`.
    if (!(await this.api.isAvailable(machineType, region, signal))) {
      throw new CapacityError(`paperspace: no ${machineType} available in ${region} right now`, { provider: 'paperspace' });
    }
    const templateId = await this.templateFor(machineType, signal);
    const script = await createOnce({
      send: () => this.api.createScript({ name, script: this.bootstrap(spec, name), isRunOnce: true }, signal),
      lookup: async () => (await this.api.listScripts(name, signal)).find((s) => s.name === name),
      settleMs: this.settings.createSettleMs,
      signal,
      log: this.config.log,
    });
    const body: CreateMachineBody = {
      name,
      machineType,
      templateId,
      diskSize,
      region,
      publicIpType: 'dynamic',
      startOnCreate: true,
      startupScriptId: script.id,
      emailPassword: false,
      ...(NVLINK_TYPES.test(machineType) ? { enableNvlink: true } : {}),
      ...this.autoShutdown(spec.maxLifetimeHours),
    };
    try {
      const created = await createOnce<PsMachine>({
        send: async () => (await this.api.createMachine(body, signal)).data,
        lookup: () => this.findByName(name, signal),
        settleMs: this.settings.createSettleMs,
        signal,
        log: this.config.log,
      });
      return toMachine(created, this.view);
    } catch (err) {
      // A definite refusal created no machine, so its script would only be litter; after an ambiguous failure the
      // machine may exist and need it, so the sweep decides later.
      if (err instanceof GpuburstError && !err.retryable) await this.deleteScriptsNamed(name, signal);
      throw err;
    }
  }

  async getMachine({ id, signal }: MachineRef): Promise<Machine> {
    return (await this.inspect(id, signal)).machine;
  }

  waitUntilReady(opts: WaitUntilReadyOptions): Promise<Machine> {
    return waitUntilReady(async () => {
      const { machine, capacity } = await this.inspect(opts.id, opts.signal);
      if (machine.status === 'failed' && capacity) {
        throw new CapacityError(`paperspace: machine ${machine.id} could not be placed: ${machine.message ?? machine.providerStatus}`, {
          provider: 'paperspace',
          machineId: machine.id,
        });
      }
      return machine;
    }, opts);
  }

  async stopMachine({ id, signal }: MachineRef): Promise<void> {
    await this.api.stopMachine(id, signal);
  }

  async startMachine({ id, signal }: MachineRef): Promise<void> {
    const m = await this.api.getMachine(id, signal);
    if (/^(ready|serviceready|starting|provisioning)$/i.test(m.state)) return; // already on its way up
    await this.api.startMachine(id, signal);
  }

  async terminateMachine({ id, signal }: MachineRef): Promise<void> {
    let deleted: PsMachine | undefined;
    try {
      deleted = (await this.api.deleteMachine(id, signal)).data;
    } catch (err) {
      if (err instanceof NotFoundError) return; // already gone; its script, if any, is left to the sweep
      throw err;
    }
    if (deleted?.name) await this.deleteScriptsNamed(deleted.name, signal);
  }

  async listMachines({ name, signal }: ListMachinesOptions): Promise<Machine[]> {
    // `?name=` may match exactly or by substring (paperspace.md §9) and our stored name may carry a session marker:
    // list every page and filter here.
    const all = await this.api.listMachines(signal);
    return all
      .filter((m) => typeof m.name === 'string' && isOurs(m.name))
      .filter((m) => name === undefined || m.name === name || parseMachineName(m.name).name === name)
      .map((m) => toMachine(m, this.view));
  }

  killSwitch({ name, remoteKey }: KillSwitchOptions): KillSwitch {
    const caps = this.capabilities().selfTerminate;
    if (!remoteKey) {
      throw new UnsupportedError(`paperspace: a watchdog cannot end its machine without a remote key: ${caps.reason} Without one: ${caps.withoutRemoteKey}`, {
        provider: 'paperspace',
      });
    }
    registerSecret(remoteKey);
    const headers = { Authorization: 'Bearer ${GPUBURST_REMOTE_KEY}' };
    return {
      env: { GPUBURST_API_URL: this.config.baseUrl.replace(/\/+$/, ''), GPUBURST_REMOTE_KEY: remoteKey, [NAME_VAR]: name },
      lookup: { url: '${GPUBURST_API_URL}/machines?name=${GPUBURST_MACHINE_NAME}', headers, listPath: 'items', nameField: 'name', idField: 'id' },
      terminate: { method: 'DELETE', url: '${GPUBURST_API_URL}/machines/${MACHINE_ID}', headers },
    };
  }

  /**
   * Startup scripts of ours whose machine no longer exists (Paperspace-specific; not part of the Provider contract).
   * Scripts of live machines are kept: a machine still provisioning needs its script at first boot.
   */
  async sweepStartupScripts(opts: { dryRun?: boolean; signal?: AbortSignal } = {}): Promise<PsScript[]> {
    const [scripts, machines] = await Promise.all([this.api.listScripts(undefined, opts.signal), this.api.listMachines(opts.signal)]);
    const live = new Set(machines.map((m) => m.name));
    const leftovers = scripts.filter((s) => isOurs(s.name) && !live.has(s.name));
    if (!opts.dryRun) for (const s of leftovers) await this.api.deleteScript(s.id, opts.signal).catch((err) => this.ignoreGone(err));
    return leftovers;
  }

  /** The machine plus, when it is `off`, the verdict of its latest lifecycle event (capacity failure or stop). */
  private async inspect(id: string, signal?: AbortSignal): Promise<{ machine: Machine; capacity: boolean }> {
    let pm: PsMachine;
    try {
      pm = await this.api.getMachine(id, signal);
    } catch (err) {
      if (err instanceof NotFoundError) return { machine: goneMachine(id), capacity: false };
      throw err;
    }
    const machine = toMachine(pm, this.view);
    if (String(pm.state).toLowerCase() !== 'off') return { machine, capacity: false };
    const events = await this.api.recentEvents(id, 20, signal);
    return judgeOff(machine, events.find((e) => LIFECYCLE_EVENTS.has(e.name)), this.view);
  }

  private async findByName(name: string, signal?: AbortSignal): Promise<PsMachine | undefined> {
    return (await this.api.listMachines(signal)).find((m) => m.name === name);
  }

  /** OS template by id (TEMPLATE_ID) or by name, preferring one that lists the machine type as available. */
  private templateFor(machineType: string, signal?: AbortSignal): Promise<string> {
    if (this.settings.templateId) return Promise.resolve(this.settings.templateId);
    let found = this.templateIds.get(machineType);
    if (!found) {
      found = this.resolveTemplate(machineType, signal);
      found.catch(() => this.templateIds.delete(machineType));
      this.templateIds.set(machineType, found);
    }
    return found;
  }

  private async resolveTemplate(machineType: string, signal?: AbortSignal): Promise<string> {
    const wanted = this.settings.templateName.toLowerCase();
    const templates = await this.api.listTemplates(signal);
    const byName = templates.filter((t) => t.name?.toLowerCase() === wanted);
    const matches = byName.length ? byName : templates.filter((t) => t.operatingSystemLabel?.toLowerCase() === wanted);
    const fits = matches.find((t) => t.availableMachineTypes?.some((a) => a.machineTypeLabel === machineType && a.isAvailable));
    const chosen = fits ?? matches.find((t) => !t.availableMachineTypes?.length);
    if (chosen) return chosen.id;
    const names = [...new Set(templates.map((t) => t.name))].slice(0, 10).join(', ');
    throw new BadInputError(
      `paperspace: no OS template "${this.settings.templateName}" for ${machineType}; set GPUBURST_PAPERSPACE_TEMPLATE_NAME or _TEMPLATE_ID (templates: ${names || 'none'})`,
      { provider: 'paperspace' },
    );
  }

  /** The first-boot script, with the kill switch's machine name set to the name Paperspace actually stores. */
  private bootstrap(spec: MachineSpec, storedName: string): string {
    const env = spec.env[NAME_VAR] === spec.name ? { ...spec.env, [NAME_VAR]: storedName } : spec.env;
    return vmBootstrapScript({ ...spec, env }, { sshUser: 'paperspace' });
  }

  /** Paperspace takes fixed disk sizes (paperspace.md §3): round up to the next accepted one. */
  private diskSizeFor(diskGb: number): number {
    const sizes = this.settings.diskSizesGb;
    const size = sizes.find((s) => s >= diskGb);
    if (size === undefined) throw new BadInputError(`paperspace: disk of ${diskGb} GB is larger than the largest accepted size (${sizes.join(', ')} GB)`, { provider: 'paperspace' });
    return size;
  }

  /** Auto-shutdown only powers the machine off (it never deletes): a last resort, not a teardown. */
  private autoShutdown(hours: number | undefined): Partial<CreateMachineBody> {
    if (hours === undefined || !(hours > 0)) return {};
    const timeout = Math.min(AUTO_SHUTDOWN_HOURS.max, Math.max(AUTO_SHUTDOWN_HOURS.min, Math.ceil(hours)));
    return { autoShutdownEnabled: true, autoShutdownTimeout: timeout, autoShutdownForce: true };
  }

  private async deleteScriptsNamed(name: string, signal?: AbortSignal): Promise<void> {
    try {
      const scripts = (await this.api.listScripts(name, signal)).filter((s) => s.name === name);
      for (const s of scripts) await this.api.deleteScript(s.id, signal).catch((err) => this.ignoreGone(err));
    } catch (err) {
      // The machine is what bills; a leftover script costs nothing and the sweep removes it.
      this.config.log?.(`paperspace: could not delete startup script ${name}: ${(err as Error).message}`);
    }
  }

  private ignoreGone(err: unknown): void {
    if (!(err instanceof NotFoundError)) throw err;
  }
}
