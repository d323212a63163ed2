/**
 * Free capacity per (instance type, region). `GET /instance-types` reports the regions with free slots
 * (`regions_with_capacity_available`); a launch takes a slot and the instance's end gives it back. `failLaunches`
 * models the race the reference warns about (§10.1): the listing still shows capacity, yet the next launches fail
 * with insufficient-capacity.
 *
 * Admin: `POST /_sim/capacity` with `{"instance_type_name"?, "region_name"?, "slots"?, "fail_launches"?}`; an
 * omitted type or region means all of them. `GET /_sim/capacity` lists the table.
 */
import { INSTANCE_TYPES, INITIAL_PLACEMENT, REGIONS } from './catalog';
import { insufficientCapacity } from './errors';

interface Cell {
  slots: number;
  failLaunches: number;
}

export interface CapacityUpdate {
  instance_type_name?: string;
  region_name?: string;
  slots?: number;
  fail_launches?: number;
}

export class Capacity {
  private readonly cells = new Map<string, Cell>();

  constructor(initialSlots: number) {
    for (const [type, regions] of Object.entries(INITIAL_PLACEMENT)) for (const r of regions) this.cell(type, r).slots = initialSlots;
  }

  regionsWithCapacity(type: string): string[] {
    return REGIONS.map((r) => r.name).filter((r) => (this.cells.get(key(type, r))?.slots ?? 0) > 0);
  }

  /** Takes one slot or throws the launch's insufficient-capacity error. */
  take(type: string, region: string): void {
    const c = this.cell(type, region);
    if (c.failLaunches > 0) {
      c.failLaunches--;
      throw insufficientCapacity(this.regionsWithCapacity(type).filter((r) => r !== region));
    }
    if (c.slots <= 0) throw insufficientCapacity(this.regionsWithCapacity(type));
    c.slots--;
  }

  release(type: string, region: string): void {
    this.cell(type, region).slots++;
  }

  /** Applies an admin update; returns an error text for a bad one. */
  update(u: CapacityUpdate): string | undefined {
    const types = u.instance_type_name === undefined ? INSTANCE_TYPES.map((t) => t.name) : [u.instance_type_name];
    const regions = u.region_name === undefined ? REGIONS.map((r) => r.name) : [u.region_name];
    if (!types.every((t) => INSTANCE_TYPES.some((x) => x.name === t))) return `unknown instance type ${u.instance_type_name}`;
    if (!regions.every((r) => REGIONS.some((x) => x.name === r))) return `unknown region ${u.region_name}`;
    for (const n of [u.slots, u.fail_launches]) if (n !== undefined && !(Number.isInteger(n) && n >= 0)) return 'slots and fail_launches must be non-negative integers';
    for (const t of types) {
      for (const r of regions) {
        const c = this.cell(t, r);
        if (u.slots !== undefined) c.slots = u.slots;
        if (u.fail_launches !== undefined) c.failLaunches = u.fail_launches;
      }
    }
    return undefined;
  }

  table(): { instance_type_name: string; region_name: string; slots: number; fail_launches: number }[] {
    return [...this.cells.entries()]
      .filter(([, c]) => c.slots > 0 || c.failLaunches > 0)
      .map(([k, c]) => {
        const [instance_type_name, region_name] = k.split('@');
        return { instance_type_name, region_name, slots: c.slots, fail_launches: c.failLaunches };
      });
  }

  private cell(type: string, region: string): Cell {
    const k = key(type, region);
    let c = this.cells.get(k);
    if (!c) this.cells.set(k, (c = { slots: 0, failLaunches: 0 }));
    return c;
  }
}

function key(type: string, region: string): string {
  return `${type}@${region}`;
}
