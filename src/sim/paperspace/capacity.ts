/**
 * Capacity of the simulated account per machine type and region, and its admin route. Defaults follow the DO
 * availability table (docs/reference/paperspace.md §2): a type is placeable where it exists.
 *   POST /_sim/capacity  {machineType?, region?, available?, advertised?, failPlacements?} | {rules: [...]} | {reset: true}
 *   `available`: a create/start can be placed; `advertised` (default = available): what GET /machine-availability
 *   answers; `failPlacements`: the next N creates/starts fail although the type is listed as available (capacity gone
 *   between listing and create), then it places again. Omitted type or region = all; omitted fields keep their value.
 */
import { z } from 'zod';
import type { SimRequest, SimResponse } from '../common/server';
import { MACHINE_TYPES, REGIONS } from './catalog';
import { fail, ok, parseBody } from './protocol';

export interface Capacity {
  available: boolean;
  advertised: boolean;
  failPlacements: number;
}

const rule = z.strictObject({
  machineType: z.string().optional(),
  region: z.string().optional(),
  available: z.boolean().optional(),
  advertised: z.boolean().optional(),
  failPlacements: z.number().int().min(0).optional(),
});
const body = z.union([rule, z.strictObject({ rules: z.array(rule) }), z.strictObject({ reset: z.literal(true) })]);

export class CapacityTable {
  private readonly table = new Map<string, Capacity>();

  constructor() {
    this.reset();
  }

  reset(): void {
    this.table.clear();
    for (const [type, t] of Object.entries(MACHINE_TYPES)) {
      for (const region of REGIONS) {
        const here = t.regions.includes(region);
        this.table.set(key(type, region), { available: here, advertised: here, failPlacements: 0 });
      }
    }
  }

  get(machineType: string, region: string): Capacity {
    return this.table.get(key(machineType, region)) ?? { available: false, advertised: false, failPlacements: 0 };
  }

  /** Decided when the create or start arrives; consumes one pending placement failure. */
  place(machineType: string, region: string): boolean {
    const c = this.table.get(key(machineType, region));
    if (!c?.available) return false;
    if (c.failPlacements > 0) {
      c.failPlacements--;
      return false;
    }
    return true;
  }

  view(): { capacity: ({ machineType: string; region: string } & Capacity)[] } {
    return {
      capacity: [...this.table.entries()].map(([k, c]) => {
        const [machineType, region] = k.split('|');
        return { machineType, region, ...c };
      }),
    };
  }

  /** The POST /_sim/capacity handler. */
  update(req: SimRequest): SimResponse {
    const parsed = parseBody(req, body);
    if ('error' in parsed) return parsed.error;
    const b = parsed.value;
    if ('reset' in b) this.reset();
    const rules = 'rules' in b ? b.rules : 'reset' in b ? [] : [b];
    for (const r of rules) {
      if (r.machineType !== undefined && !MACHINE_TYPES[r.machineType]) return fail('BAD_REQUEST', `Invalid machine type: ${r.machineType}`);
      if (r.region !== undefined && !(REGIONS as readonly string[]).includes(r.region)) return fail('BAD_REQUEST', `Invalid region: ${r.region}`);
    }
    for (const r of rules) {
      for (const type of r.machineType ? [r.machineType] : Object.keys(MACHINE_TYPES)) {
        for (const region of r.region ? [r.region] : REGIONS) {
          const c = this.get(type, region);
          const available = r.available ?? c.available;
          const advertised = r.advertised ?? (r.available !== undefined ? r.available : c.advertised);
          this.table.set(key(type, region), { available, advertised, failPlacements: r.failPlacements ?? c.failPlacements });
        }
      }
    }
    return ok(this.view());
  }
}

function key(machineType: string, region: string): string {
  return `${machineType}|${region}`;
}
