/**
 * Live spend from each machine's price and its provider's billing rule. The session stops queueing as soon as the
 * spend one billing increment from now would pass the cap, so the cap is never exceeded by more than one increment.
 */
import { billedSeconds as billed, SECONDS_PER_HOUR } from '../estimate/billing';

export interface BilledMachine {
  name: string;
  usdPerHour: number;
  /** When billing started (create time), ms since epoch. */
  startMs: number;
  /** When billing ended, if it has. */
  endMs?: number;
  incrementSeconds: number;
  minimumSeconds: number;
}

/** Seconds billed for one machine until `nowMs` (or its end), by the one billing arithmetic (src/estimate/billing). */
export function machineBilledSeconds(m: BilledMachine, nowMs: number): number {
  // An increment of 0 would divide by zero there and make a budget that never runs out: a second is the floor.
  return billed(((m.endMs ?? nowMs) - m.startMs) / 1000, { incrementSeconds: Math.max(1, m.incrementSeconds), minimumSeconds: m.minimumSeconds });
}

export function machineCostUsd(m: BilledMachine, nowMs: number): number {
  return (machineBilledSeconds(m, nowMs) * m.usdPerHour) / SECONDS_PER_HOUR;
}

export class BudgetTracker {
  private readonly machines = new Map<string, BilledMachine>();

  /** `reserveSeconds`: time that still bills after we decide to stop (pulling what is done, teardown). */
  constructor(readonly capUsd?: number, private readonly reserveSeconds = 10) {}

  start(m: BilledMachine): void {
    this.machines.set(m.name, m);
  }

  tracks(name: string): boolean {
    return this.machines.has(name);
  }

  end(name: string, atMs = Date.now()): void {
    const m = this.machines.get(name);
    if (m && m.endMs === undefined) m.endMs = atMs;
  }

  spentUsd(nowMs = Date.now()): number {
    let sum = 0;
    for (const m of this.machines.values()) sum += machineCostUsd(m, nowMs);
    return sum;
  }

  billedSeconds(nowMs = Date.now()): number {
    let sum = 0;
    for (const m of this.machines.values()) sum += machineBilledSeconds(m, nowMs);
    return sum;
  }

  /** Spend at the end of the next billing increment of every running machine. */
  nextIncrementUsd(nowMs = Date.now()): number {
    let sum = 0;
    for (const m of this.machines.values()) {
      const ahead = m.endMs === undefined ? (Math.max(1, m.incrementSeconds) + this.reserveSeconds) * 1000 : 0;
      sum += machineCostUsd(m, nowMs + ahead);
    }
    return sum;
  }

  /** True when continuing one more increment would pass the cap. */
  exhausted(nowMs = Date.now()): boolean {
    return this.capUsd !== undefined && this.nextIncrementUsd(nowMs) > this.capUsd;
  }
}
