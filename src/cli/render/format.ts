/** Number formatting shared by the tables: money, rates, durations, multipliers. */
export { formatDuration } from '../../estimate/duration';

/** "$0", "$0.023", "$0.41", "$12.30", "$1,234". */
export function usd(x: number): string {
  if (x === 0) return '$0';
  if (x >= 1000) return `$${Math.round(x).toLocaleString('en-US')}`;
  if (x >= 0.1) return `$${x.toFixed(2)}`;
  if (x >= 0.001) return `$${x.toFixed(3)}`;
  return `$${x.toPrecision(2)}`;
}

/** Per-image money needs more digits: "$0.00041". */
export function usdSmall(x: number): string {
  if (x === 0) return '$0';
  return x >= 0.1 ? `$${x.toFixed(2)}` : `$${x.toPrecision(2)}`;
}

export function usdPerHour(x: number, usdPerMonth?: number): string {
  if (usdPerMonth !== undefined) return `$${usdPerMonth}/mo`;
  return x === 0 ? '—' : `$${x.toFixed(x < 1 ? 3 : 2).replace(/0$/, '')}`;
}

export function seconds(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

export function times(x: number | null): string {
  if (x === null) return '—';
  return x >= 10 ? `${x.toFixed(0)}×` : `${x.toFixed(1)}×`;
}
