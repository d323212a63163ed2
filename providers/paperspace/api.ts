/**
 * Thin typed client of the Paperspace v1 API (docs/reference/paperspace.md §1–§4, §6). Envelopes differ per call: get is a bare
 * Machine, mutations are `{data, event}`, lists are `{hasMore, items, nextPage}` followed with `?after=`.
 */
import { z } from 'zod';
import { ProviderError, type GpuburstError } from '../errors';
import type { HttpClient, HttpFailure, HttpMethod, HttpRequest } from '../http';
import { shapeCheck } from '../response';
import { isErrorBody, STATUS_OF_CODE } from './mapping';

export interface PsMachine {
  id: string;
  name: string;
  state: string;
  machineType: string;
  region: string;
  publicIp: string | null;
  usageRate?: number;
  storageRate?: number;
  dtCreated?: string;
  accelerators?: { name: string; count: number; memory: number | null }[] | null;
  autoShutdownEnabled?: boolean;
  autoShutdownTimeout?: number | null;
}

export interface PsEvent {
  id: string;
  name: string;
  /** new | in progress | done | error | cancelled */
  state: string;
  machineId: string | null;
  error: string | null;
  dtCreated: string;
}

export interface PsScript {
  id: string;
  name: string;
  isRunOnce: boolean;
  isEnabled: boolean;
  assignedMachineIds: string[];
}

export interface PsTemplate {
  id: string;
  name: string;
  operatingSystemLabel?: string;
  availableMachineTypes?: { isAvailable: boolean; machineTypeLabel: string }[];
}

export interface MachineAction {
  data: PsMachine;
  event?: PsEvent;
}

/** POST /machines body; required: name, machineType, templateId, diskSize, region (docs/reference/paperspace.md §3). */
export interface CreateMachineBody {
  name: string;
  machineType: string;
  templateId: string;
  diskSize: number;
  region: string;
  publicIpType: 'static' | 'dynamic' | 'none';
  startOnCreate: boolean;
  startupScriptId?: string;
  emailPassword: boolean;
  enableNvlink?: boolean;
  autoShutdownEnabled?: boolean;
  autoShutdownTimeout?: number;
  autoShutdownForce?: boolean;
}

interface Page<T> {
  hasMore: boolean;
  items: T[];
  nextPage?: string | null;
}

type Signal = AbortSignal | undefined;

/** What the adapter reads of each answer (docs/reference/paperspace.md §3, §4, §6); other fields pass unchecked. */
const MACHINE = z.looseObject({ id: z.string(), name: z.string(), state: z.string(), machineType: z.string() });
const NAMED = z.looseObject({ id: z.string(), name: z.string() });
const SHAPES = {
  machine: MACHINE,
  action: z.looseObject({ data: MACHINE }),
  page: z.looseObject({ hasMore: z.boolean(), items: z.array(z.looseObject({})), nextPage: z.string().nullish() }),
  availability: z.looseObject({ available: z.boolean() }),
  script: NAMED,
};

export class PaperspaceApi {
  constructor(
    private readonly http: HttpClient,
    private readonly opts: { pageLimit: number; templatesPath: string; translate: (f: HttpFailure) => GpuburstError },
  ) {}

  getMachine(id: string, signal: Signal): Promise<PsMachine> {
    return this.call<PsMachine>({ method: 'GET', path: `/machines/${encodeURIComponent(id)}`, signal }, SHAPES.machine);
  }

  listMachines(signal: Signal): Promise<PsMachine[]> {
    return this.listAll<PsMachine>('/machines', {}, signal);
  }

  /** Sent once: a lost answer is resolved by a look-up by name (providers/create-once.ts), never by a resend. */
  createMachine(body: CreateMachineBody, signal: Signal): Promise<MachineAction> {
    return this.call<MachineAction>({ method: 'POST', path: '/machines', body, retry: false, signal }, SHAPES.action, true);
  }

  /** Like stop; starting a machine that is already starting answers "This machine is currently starting." */
  startMachine(id: string, signal: Signal): Promise<MachineAction> {
    return this.call<MachineAction>({ method: 'PATCH', path: `/machines/${encodeURIComponent(id)}/start`, body: {}, retry: true, signal }, SHAPES.action);
  }

  /** The CLI sends "{}" on parameterless PATCH calls. Stopping twice is a no-op, so retrying is safe. */
  stopMachine(id: string, signal: Signal): Promise<MachineAction> {
    return this.call<MachineAction>({ method: 'PATCH', path: `/machines/${encodeURIComponent(id)}/stop`, body: {}, retry: true, signal }, SHAPES.action);
  }

  deleteMachine(id: string, signal: Signal): Promise<MachineAction> {
    return this.call<MachineAction>({ method: 'DELETE', path: `/machines/${encodeURIComponent(id)}`, signal }, SHAPES.action);
  }

  /** Newest events of one machine first: the create/start outcome tells a capacity failure from a stop. */
  async recentEvents(machineId: string, limit: number, signal: Signal): Promise<PsEvent[]> {
    const page = await this.call<Page<PsEvent>>({ method: 'GET', path: '/machine-events', query: { machineId, orderBy: 'dtCreated', order: 'desc', limit }, signal }, SHAPES.page);
    return page.items;
  }

  async isAvailable(machineType: string, region: string, signal: Signal): Promise<boolean> {
    const res = await this.call<{ available: boolean }>({ method: 'GET', path: '/machine-availability', query: { machineType, region }, signal }, SHAPES.availability);
    return res.available;
  }

  listTemplates(signal: Signal): Promise<PsTemplate[]> {
    return this.listAll<PsTemplate>(this.opts.templatesPath, {}, signal);
  }

  createScript(body: { name: string; script: string; isRunOnce: boolean }, signal: Signal): Promise<PsScript> {
    return this.call<PsScript>({ method: 'POST', path: '/startup-scripts', body, retry: false, signal }, SHAPES.script, true);
  }

  /** Exact vs substring matching of `?name=` is unknown (docs/reference/paperspace.md §9): callers filter the result themselves. */
  listScripts(name: string | undefined, signal: Signal): Promise<PsScript[]> {
    return this.listAll<PsScript>('/startup-scripts', { name }, signal);
  }

  deleteScript(id: string, signal: Signal): Promise<PsScript> {
    return this.call<PsScript>({ method: 'DELETE', path: `/startup-scripts/${encodeURIComponent(id)}`, signal });
  }

  private async listAll<T>(path: string, query: Record<string, string | undefined>, signal: Signal): Promise<T[]> {
    const items: T[] = [];
    let after: string | undefined;
    for (let pages = 0; pages < 1000; pages++) {
      const page = await this.call<Page<T>>({ method: 'GET', path, query: { ...query, limit: this.opts.pageLimit, after }, signal }, SHAPES.page);
      items.push(...page.items);
      if (!page.hasMore || !page.nextPage) return items;
      after = page.nextPage;
    }
    throw new ProviderError(`paperspace: ${path} kept returning more pages; giving up after 1000`, { provider: 'paperspace' });
  }

  /** A 2xx error body first (it is the provider speaking), then the shape the caller reads. */
  private async call<T>(req: HttpRequest, schema?: z.ZodType, create = false): Promise<T> {
    const shape = schema && shapeCheck(schema, { provider: 'paperspace', method: req.method, path: req.path, urlVar: 'GPUBURST_PAPERSPACE_API_URL', create });
    const res = await this.http.request<T>({ ...req, check: (data, status) => this.errorIn(data, req.method, req.path) ?? shape?.(data, status) });
    return res.data;
  }

  /** A 2xx body holding only `{code, message}` is an error (docs/reference/paperspace.md §7). */
  private errorIn(data: unknown, method: HttpMethod, path: string): GpuburstError | undefined {
    if (!isErrorBody(data)) return undefined;
    const code = (data as { code: string }).code;
    const status = STATUS_OF_CODE[code] ?? 500;
    return this.opts.translate({ status, headers: {}, data, method, path });
  }
}
