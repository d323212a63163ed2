/**
 * Billing arithmetic: seconds in, billed seconds and dollars out. Pure functions, table-tested. An hour/second slip
 * here costs real money, so every conversion lives here and nowhere else.
 */
export const SECONDS_PER_HOUR = 3600;
/** Storage is priced per GB-month; providers bill a 30-day month. */
const SECONDS_PER_MONTH = 30 * 24 * SECONDS_PER_HOUR;

export interface IncrementRule {
  /** Usage is rounded up to a multiple of this. */
  incrementSeconds: number;
  /** Any usage is billed at least this much. */
  minimumSeconds: number;
}

/** Seconds the provider bills for `seconds` of use: at least the minimum, rounded up to the increment. 0 stays 0. */
export function billedSeconds(seconds: number, rule: IncrementRule): number {
  if (!(seconds > 0)) return 0;
  const atLeast = Math.max(seconds, rule.minimumSeconds);
  // The tolerance keeps 3600.0000000001 s (float noise) from becoming a second hour.
  return Math.ceil(atLeast / rule.incrementSeconds - 1e-9) * rule.incrementSeconds;
}

export function computeCostUsd(seconds: number, usdPerHour: number, rule: IncrementRule): number {
  return (billedSeconds(seconds, rule) * usdPerHour) / SECONDS_PER_HOUR;
}

export function storageCostUsd(seconds: number, diskGb: number, usdPerGbMonth: number, incrementSeconds: number): number {
  return (billedSeconds(seconds, { incrementSeconds, minimumSeconds: 0 }) * diskGb * usdPerGbMonth) / SECONDS_PER_MONTH;
}

/** Electricity of a local GPU: watts over seconds at a price per kWh. */
export function electricityCostUsd(seconds: number, watts: number, usdPerKwh: number): number {
  return (seconds / SECONDS_PER_HOUR) * (watts / 1000) * usdPerKwh;
}
