/**
 * Paperspace (DigitalOcean) Core machines through the v1 API (docs/reference/paperspace.md). A VM per render machine: a run-once
 * startup script installs and starts the ComfyUI container; the endpoint is the machine's dynamic public IP.
 * No tags exist, so the `gpuburst-` name prefix marks our machines and the name carries the session id.
 */
import { BILLING } from '../billing';
import { createOnce } from '../create-once';
import { BadInputError, CapacityError, GpuburstError, NotFoundError, UnsupportedError } from '../errors';
import { withoutModelCache } from '../no-cache';
import { HttpClient } from '../http';
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
  SweepLeftoversOptions,
  WaitUntilReadyOptions,
} from '../types';
import { waitUntilReady } from '../wait';
import { PaperspaceApi, PsMachine } from './api';
import { createBody, goneMachine, judgeOff, LIFECYCLE_EVENTS, MachineView, NAME_VAR, startupScript, toMachine } from './machine';
import { isOurs, parseMachineName, providerMachineName, translate } from './mapping';
import { listOffers, parseOfferId } from './offers';
import type { PaperspaceSettings } from './settings';

export const CAPABILITIES: Capabilities = {
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
  modelCache: {
    supported: false,
    reason: "Paperspace's shared drives are not in the v1 API gpuburst uses (its published description has machines, machine events, startup scripts and templates, no storage; shared drives appear only in a third-party collection), so a drive cannot be created or attached at create",
    usdPerGbMonth: 0,
    billedOn: 'allocated',
  },
  billing: BILLING.paperspace,
};

export class PaperspaceProvider implements Provider {
  readonly name = 'paperspace' as const;
  private readonly api: PaperspaceApi;
  private readonly view: MachineView;
  private readonly templateIds = new Map<string, Promise<string>>();

  constructor(private readonly settings: PaperspaceSettings) {
    registerSecret(settings.apiKey);
    const translateFn = (f: Parameters<typeof translate>[0]) => translate(f, { capacityPattern: settings.capacityPattern });
    const http = new HttpClient({
      provider: 'paperspace',
      baseUrl: settings.baseUrl,
      headers: { Authorization: `Bearer ${settings.apiKey}` },
      timeoutMs: settings.timeoutMs,
      maxRetries: settings.maxRetries,
      translate: translateFn,
      log: settings.log,
    });
    this.api = new PaperspaceApi(http, { pageLimit: settings.pageLimit, templatesPath: settings.templatesPath, translate: translateFn });
    this.view = { comfyPort: settings.comfyPort, usdPerHour: settings.usdPerHour, capacityPattern: settings.capacityPattern };
  }

  capabilities(): Capabilities {
    return CAPABILITIES;
  }

  async listOffers(opts: ListOffersOptions): Promise<Offer[]> {
    // Paperspace has no spot or preemptible machines.
    if (opts.interruptible === true) return [];
    return filterOffers(await listOffers(this.api, this.settings, opts, this.settings.log), opts);
  }
  async createMachine({ spec, signal }: CreateMachineOptions): Promise<Machine> {
    const { machineType, region } = parseOfferId(spec.offerId);
    const name = providerMachineName(spec.name, spec.sessionId);
    // Built (and checked: disk size) before anything is created; the script id is filled in once it exists.
    const body = createBody(spec, { name, machineType, region, templateId: '', startupScriptId: '', diskSizesGb: this.settings.diskSizesGb });
    // A listing is not a reservation, but a "no" now saves a create that would only land in `off`.
    if (!(await this.api.isAvailable(machineType, region, signal))) {
      throw new CapacityError(`paperspace: no ${machineType} available in ${region} right now`, { provider: 'paperspace' });
    }
    body.templateId = await this.templateFor(machineType, signal);
    const script = await createOnce({
      send: () => this.api.createScript({ name, script: startupScript(spec, name), isRunOnce: true }, signal),
      lookup: async () => (await this.api.listScripts(name, signal)).find((s) => s.name === name),
      settleMs: this.settings.createSettleMs,
      signal,
      log: this.settings.log,
    });
    body.startupScriptId = script.id;
    try {
      const created = await createOnce<PsMachine>({
        send: async () => (await this.api.createMachine(body, signal)).data,
        lookup: () => this.findByName(name, signal),
        settleMs: this.settings.createSettleMs,
        signal,
        log: this.settings.log,
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
    // `?name=` may match exactly or by substring (docs/reference/paperspace.md §9) and our stored name may carry a session marker:
    // list every page and filter here.
    const all = await this.api.listMachines(signal);
    return all
      .filter((m) => typeof m.name === 'string' && isOurs(m.name))
      .filter((m) => name === undefined || m.name === name || parseMachineName(m.name).name === name)
      .map((m) => toMachine(m, this.view));
  }

  killSwitch({ name, remoteKey }: KillSwitchOptions): KillSwitch {
    const caps = CAPABILITIES.selfTerminate;
    if (!remoteKey) {
      throw new UnsupportedError(`paperspace: a watchdog cannot end its machine without a remote key: ${caps.reason} Without one: ${caps.withoutRemoteKey}`, {
        provider: 'paperspace',
      });
    }
    registerSecret(remoteKey);
    const headers = { Authorization: 'Bearer ${GPUBURST_REMOTE_KEY}' };
    return {
      env: { GPUBURST_API_URL: this.settings.baseUrl, GPUBURST_REMOTE_KEY: remoteKey, [NAME_VAR]: name },
      lookup: { url: '${GPUBURST_API_URL}/machines?name=${GPUBURST_MACHINE_NAME}', headers, listPath: 'items', nameField: 'name', idField: 'id' },
      terminate: { method: 'DELETE', url: '${GPUBURST_API_URL}/machines/${MACHINE_ID}', headers },
    };
  }

  /** No model cache here: every call refused with capabilities().modelCache.reason. */
  private readonly noCache = withoutModelCache('paperspace', CAPABILITIES);
  readonly listCaches = this.noCache.listCaches;
  readonly createCache = this.noCache.createCache;
  readonly deleteCache = this.noCache.deleteCache;

  /**
   * Startup scripts of ours whose machine no longer exists. Scripts of live machines are kept: a machine still
   * provisioning needs its script at first boot.
   */
  async sweepLeftovers(opts: SweepLeftoversOptions): Promise<Leftover[]> {
    const [scripts, machines] = await Promise.all([this.api.listScripts(undefined, opts.signal), this.api.listMachines(opts.signal)]);
    const live = new Set(machines.map((m) => m.name));
    const out: Leftover[] = [];
    for (const s of scripts.filter((x) => isOurs(x.name) && !live.has(x.name))) {
      const row: Leftover = { kind: 'startup-script', id: s.id, name: s.name, deleted: false };
      if (!opts.dryRun) {
        try {
          await this.api.deleteScript(s.id, opts.signal);
          row.deleted = true;
        } catch (err) {
          if (err instanceof NotFoundError) row.deleted = true;
          else row.message = (err as Error).message;
        }
      }
      out.push(row);
    }
    return out;
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

  private async deleteScriptsNamed(name: string, signal?: AbortSignal): Promise<void> {
    try {
      const scripts = (await this.api.listScripts(name, signal)).filter((s) => s.name === name);
      for (const s of scripts) await this.api.deleteScript(s.id, signal).catch((err) => this.ignoreGone(err));
    } catch (err) {
      // The machine is what bills; a leftover script costs nothing and the sweep removes it.
      this.settings.log?.(`paperspace: could not delete startup script ${name}: ${(err as Error).message}`);
    }
  }

  private ignoreGone(err: unknown): void {
    if (!(err instanceof NotFoundError)) throw err;
  }
}
