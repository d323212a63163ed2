/**
 * Machine routes of the simulated v1 API (docs/reference/paperspace.md §3, §4, §6): create/list/get/stop/start/delete, events and
 * availability. Create is strict [I]: unknown fields, wrong JSON types, unknown types/regions/templates and disk
 * sizes outside the accepted set are refused with 400 BAD_REQUEST.
 */
import { z } from 'zod';
import type { SimRequest, SimResponse } from '../common/server';
import { MACHINE_TYPES, REGIONS, TEMPLATES } from './catalog';
import { eventJson, machineJson, SimMachine } from './model';
import { fail, ok, page, parseBody, parseRequest } from './protocol';
import type { World } from './world';

/** The fields of POST /machines this simulator reads (Paperspace's v1 description; checked in parseRequest). */
interface CreateBody {
  name: string;
  machineType: string;
  templateId: string;
  diskSize: number;
  region: string;
  publicIpType?: 'static' | 'dynamic' | 'none';
  startOnCreate?: boolean;
  startupScriptId?: string;
  autoShutdownEnabled?: boolean;
  autoShutdownTimeout?: number;
  autoShutdownForce?: boolean;
  enableNvlink?: boolean;
  networkId?: string;
  accessorIds?: string[];
}

/** Parameterless PATCH calls: the CLI sends "{}", SkyPilot sends nothing (docs/reference/paperspace.md §1). */
const emptySchema = z.strictObject({});

export interface MachineRouteOptions {
  diskSizesGb: number[];
  defaultPageLimit: number;
}

export function machineRoutes(world: World, opts: MachineRouteOptions) {
  const live = (id: string): SimMachine | undefined => {
    const m = world.machines.get(id);
    return m && !m.dtDeleted ? m : undefined;
  };
  const notFound = (id: string) => fail('NOT_FOUND', `Machine ${id} not found`);

  function create(req: SimRequest): SimResponse {
    const parsed = parseRequest<CreateBody>(req, 'createMachine');
    if ('error' in parsed) return parsed.error;
    const b = parsed.value;
    const type = MACHINE_TYPES[b.machineType];
    if (!type) return fail('BAD_REQUEST', `Invalid machine type: ${b.machineType}`);
    if (!(REGIONS as readonly string[]).includes(b.region)) return fail('BAD_REQUEST', `Invalid region: ${b.region}`);
    const template = TEMPLATES.find((t) => t.id === b.templateId);
    if (!template) return fail('BAD_REQUEST', `Template ${b.templateId} not found`);
    if (!template.availableMachineTypes.some((a) => a.machineTypeLabel === b.machineType && a.isAvailable)) {
      return fail('BAD_REQUEST', `Template ${b.templateId} is not available for machine type ${b.machineType}`);
    }
    if (!opts.diskSizesGb.includes(b.diskSize)) return fail('BAD_REQUEST', `Invalid disk size ${b.diskSize}; accepted: ${opts.diskSizesGb.join(', ')}`);
    if (b.networkId !== undefined) return fail('BAD_REQUEST', `Private network ${b.networkId} not found`);
    if (b.accessorIds?.length) return fail('BAD_REQUEST', `Unknown user ${b.accessorIds[0]}`);
    const script = b.startupScriptId === undefined ? undefined : world.scripts.get(b.startupScriptId);
    if (b.startupScriptId !== undefined && (!script || script.dtDeleted)) return fail('BAD_REQUEST', `Startup script ${b.startupScriptId} not found`);
    if (b.autoShutdownTimeout !== undefined && !(b.autoShutdownTimeout >= 1 && b.autoShutdownTimeout <= 168)) {
      return fail('BAD_REQUEST', 'Invalid input: autoShutdownTimeout must be from 1 to 168 hours');
    }
    const now = new Date().toISOString();
    const m: SimMachine = {
      id: world.id('ps'),
      name: b.name,
      state: 'provisioning',
      type,
      machineType: b.machineType,
      region: b.region,
      templateId: template.id,
      os: template.operatingSystemLabel,
      diskSize: b.diskSize,
      usageRate: type.usageRate,
      publicIp: null,
      publicIpType: b.publicIpType ?? 'dynamic',
      startupScriptId: script?.id,
      autoShutdownEnabled: b.autoShutdownEnabled ?? false,
      autoShutdownTimeout: b.autoShutdownTimeout ?? null,
      autoShutdownForce: b.autoShutdownForce ?? null,
      dtCreated: now,
      dtModified: now,
      dtDeleted: null,
      boots: 0,
      timers: new Set(),
    };
    script?.assignedMachineIds.push(m.id);
    // New machines start unless told otherwise (docs/reference/paperspace.md §10.4).
    const event = world.create(m, b.startOnCreate ?? true);
    const body = { data: machineJson(m), event: eventJson(event) };
    event.state = 'in progress';
    return ok(body);
  }

  function stop(req: SimRequest): SimResponse {
    const m = live(req.params.id);
    if (!m) return notFound(req.params.id);
    const parsed = parseBody(req, emptySchema, {});
    if ('error' in parsed) return parsed.error;
    // Stopping an off or stopping machine is a no-op (legacy semantics, docs/reference/paperspace.md §6).
    if (m.state === 'off' || m.state === 'stopping') return ok({ data: machineJson(m), event: eventJson(world.addEvent(m.id, 'stop', 'done')) });
    if (m.state !== 'ready' && m.state !== 'serviceready') return fail('BAD_REQUEST', `This machine is currently ${m.state}.`);
    const event = world.stop(m);
    return ok({ data: machineJson(m), event: eventJson(event) });
  }

  function start(req: SimRequest): SimResponse {
    const m = live(req.params.id);
    if (!m) return notFound(req.params.id);
    const parsed = parseBody(req, emptySchema, {});
    if ('error' in parsed) return parsed.error;
    if (m.state === 'ready' || m.state === 'serviceready') return ok({ data: machineJson(m), event: eventJson(world.addEvent(m.id, 'start', 'done')) });
    if (m.state !== 'off') return fail('BAD_REQUEST', `This machine is currently ${m.state}.`);
    const event = world.start(m);
    return ok({ data: machineJson(m), event: eventJson(event) });
  }

  function remove(req: SimRequest): SimResponse {
    const m = live(req.params.id);
    if (!m) return notFound(req.params.id);
    const event = world.remove(m);
    return ok({ data: machineJson(m), event: eventJson(event) });
  }

  function list(req: SimRequest): SimResponse {
    const q = req.query;
    const filters: [string, (m: SimMachine) => string][] = [
      ['name', (m) => m.name],
      ['region', (m) => m.region],
      ['machineType', (m) => m.machineType],
      ['agentType', () => 'LinuxHeadless'],
    ];
    // Exact matching on `name` is an assumption (docs/reference/paperspace.md §9).
    const all = [...world.machines.values()].filter((m) => !m.dtDeleted && filters.every(([k, get]) => q.get(k) === null || get(m) === q.get(k)));
    const key = (m: SimMachine, field: string) => (field === 'name' ? m.name : field === 'state' ? m.state : m.dtCreated);
    return page(req, all, { orderBy: ['dtCreated', 'name', 'state'], defaultLimit: opts.defaultPageLimit }, key, machineJson);
  }

  function events(req: SimRequest): SimResponse {
    const machineId = req.query.get('machineId');
    const all = world.events.filter((e) => machineId === null || e.machineId === machineId);
    return page(req, all, { orderBy: ['dtCreated'], defaultLimit: opts.defaultPageLimit }, (e) => `${e.dtCreated}#${String(e.seq).padStart(12, '0')}`, eventJson);
  }

  function availability(req: SimRequest): SimResponse {
    const machineType = req.query.get('machineType');
    const region = req.query.get('region');
    if (!machineType || !region) return fail('BAD_REQUEST', 'Invalid input: machineType and region are required');
    if (!MACHINE_TYPES[machineType]) return fail('BAD_REQUEST', `Invalid machine type: ${machineType}`);
    if (!(REGIONS as readonly string[]).includes(region)) return fail('BAD_REQUEST', `Invalid region: ${region}`);
    return ok({ available: world.capacity.get(machineType, region).advertised });
  }

  return {
    create,
    stop,
    start,
    remove,
    list,
    events,
    availability,
    get: (req: SimRequest) => {
      const m = live(req.params.id);
      return m ? ok(machineJson(m)) : notFound(req.params.id);
    },
    event: (req: SimRequest) => {
      const e = world.events.find((x) => x.id === req.params.id);
      return e ? ok(eventJson(e)) : fail('NOT_FOUND', `Machine event ${req.params.id} not found`);
    },
  };
}
