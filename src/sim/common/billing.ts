/**
 * Per-machine billing meter for the simulators. Each provider sim says, at every state change, whether compute
 * and/or storage is billing; the meter integrates seconds and applies the provider's rounding rule.
 */
export interface MeterRates {
  computeUsdPerHour: number;
  storageUsdPerHour: number;
}

export interface MeterReading {
  computeSeconds: number;
  storageSeconds: number;
  /** Compute seconds after the provider's rounding (per second, per started minute…). */
  billedSeconds: number;
  costUsd: number;
}

interface Entry {
  rates: MeterRates;
  compute: boolean;
  storage: boolean;
  since: number;
  computeMs: number;
  storageMs: number;
  closed: boolean;
}

export class BillingMeter {
  private readonly entries = new Map<string, Entry>();

  /** `roundSeconds` turns raw compute seconds into billed seconds (e.g. up to whole minutes for Lambda). */
  constructor(private readonly roundSeconds: (seconds: number) => number = (s) => Math.ceil(s), private readonly now: () => number = Date.now) {}

  open(id: string, rates: MeterRates): void {
    this.entries.set(id, { rates, compute: false, storage: false, since: this.now(), computeMs: 0, storageMs: 0, closed: false });
  }

  /** Change what is billing from now on. */
  set(id: string, billing: { compute: boolean; storage: boolean }): void {
    const e = this.entries.get(id);
    if (!e || e.closed) return;
    this.accrue(e);
    e.compute = billing.compute;
    e.storage = billing.storage;
  }

  setRates(id: string, rates: Partial<MeterRates>): void {
    const e = this.entries.get(id);
    if (!e) return;
    this.accrue(e);
    e.rates = { ...e.rates, ...rates };
  }

  /** Nothing bills any more (terminated / destroyed). */
  close(id: string): void {
    const e = this.entries.get(id);
    if (!e || e.closed) return;
    this.accrue(e);
    e.compute = false;
    e.storage = false;
    e.closed = true;
  }

  isBilling(id: string): boolean {
    const e = this.entries.get(id);
    return Boolean(e && !e.closed && (e.compute || e.storage));
  }

  read(id: string): MeterReading {
    const e = this.entries.get(id);
    if (!e) return { computeSeconds: 0, storageSeconds: 0, billedSeconds: 0, costUsd: 0 };
    this.accrue(e);
    const computeSeconds = e.computeMs / 1000;
    const storageSeconds = e.storageMs / 1000;
    const billedSeconds = computeSeconds > 0 ? this.roundSeconds(computeSeconds) : 0;
    const costUsd = (billedSeconds * e.rates.computeUsdPerHour + storageSeconds * e.rates.storageUsdPerHour) / 3600;
    return { computeSeconds, storageSeconds, billedSeconds, costUsd };
  }

  private accrue(e: Entry): void {
    const now = this.now();
    const dt = now - e.since;
    if (e.compute) e.computeMs += dt;
    if (e.storage || e.compute) e.storageMs += dt;
    e.since = now;
  }
}
