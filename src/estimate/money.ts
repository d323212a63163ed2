/**
 * US dollars as a user reads them, in one place: tables, the plan, the report, budget errors, status. Sums of a
 * cent or more show cents; smaller sums keep two significant digits ($0.0041), because a sub-cent figure rounded
 * to "$0.00" or "$0.01" hides what a small batch really costs.
 */

/** Below this, a figure is shown as "<$0.000001" rather than with ever more zeros. */
const SMALLEST_USD = 0.000001;

/** "1234.5" → "1,234.50". Not Intl.NumberFormat: its locale data costs ~20 ms at the start of every command. */
function withCents(x: number): string {
  // toFixed switches to exponent notation from 1e21 ("1e+21"): such a figure is whole dollars, written out by BigInt.
  const [whole, cents] = x < 1e21 ? x.toFixed(2).split('.') : [BigInt(Math.round(x)).toString(), '00'];
  return `${whole.replace(/\B(?=(\d{3})+$)/g, ',')}.${cents}`;
}

/** Decimals that show `significant` digits of x; cents from $0.10 on. */
function decimalsFor(x: number, significant: number): number {
  if (x >= 0.1 && significant <= 2) return 2;
  return Math.max(2, significant - 1 - Math.floor(Math.log10(x)));
}

/**
 * "$0", "$0.004", "$0.0041", "$0.023", "$0.41", "$12.30", "$1,234.50"; "—" for a figure that is not a number.
 * `significant` (default 2) is the least number of significant digits below $0.10; more digits are asked for only
 * to tell two figures apart (formatUsdPair).
 */
export function formatUsd(x: number, significant = 2): string {
  if (!Number.isFinite(x)) return '—';
  if (x < 0) return `-${formatUsd(-x, significant)}`;
  if (x === 0) return '$0';
  if (x < SMALLEST_USD) return `<$${SMALLEST_USD.toFixed(6)}`;
  let decimals = decimalsFor(x, significant);
  // Rounding may carry into the next power of ten (0.0999 → 0.100): count the digits again on the rounded value.
  const rounded = Number(x.toFixed(decimals));
  decimals = Math.min(decimals, decimalsFor(rounded, significant));
  if (decimals === 2) return `$${withCents(x)}`;
  // Below a cent the digits shown are the ones that carry information: $0.004, not $0.0040.
  return `$${x.toFixed(decimals).replace(/(\.\d\d\d*?)0+$/, '$1')}`;
}

/**
 * Two figures compared in one sentence ("budget $X is below the estimate $Y"): as many digits as it takes for
 * unequal figures to look unequal, so a user never reads "$0.01 is below $0.01".
 */
export function formatUsdPair(a: number, b: number): [string, string] {
  for (let significant = 2; significant <= 8; significant++) {
    const pair: [string, string] = [formatUsd(a, significant), formatUsd(b, significant)];
    if (pair[0] !== pair[1] || a === b) return pair;
  }
  return [formatUsd(a, 8), formatUsd(b, 8)];
}

/** A price per hour without the unit: "$0.34", "$0.125", "$2.39"; a subscription as "$10/mo"; no rent as "—". */
export function formatUsdPerHour(usdPerHour: number, usdPerMonth?: number): string {
  if (usdPerMonth !== undefined) return `${formatUsd(usdPerMonth).replace(/\.00$/, '')}/mo`;
  if (!Number.isFinite(usdPerHour)) return '—';
  if (usdPerHour === 0) return '—';
  if (usdPerHour >= 1) return formatUsd(usdPerHour);
  // Marketplace prices have a third decimal (0.125 $/h); keep it, drop a trailing zero ("$0.340" → "$0.34").
  return `$${usdPerHour.toFixed(3).replace(/0$/, '')}`;
}
