/** Number formatting shared by the tables: money, rates, durations, multipliers. Money and durations have one formatter each. */
import { formatUsd, formatUsdPerHour } from '../../estimate/money';

export { formatDuration } from '../../estimate/duration';
export { formatUsdPair } from '../../estimate/money';

/** Money in tables, lines and status: the one formatter ("$0.0041", "$0.41", "$1,234.50"). */
export const usd = (x: number): string => formatUsd(x);

/** The $/h column: "$0.34", "$10/mo" for a subscription, "—" for no rent. */
export const usdPerHour = formatUsdPerHour;

export function seconds(x: number): string {
  if (!Number.isFinite(x)) return '—';
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

export function times(x: number | null): string {
  if (x === null || !Number.isFinite(x)) return '—';
  return x >= 10 ? `${x.toFixed(0)}×` : `${x.toFixed(1)}×`;
}
