/**
 * Per-row overrides of price and speed, so any quoted figure (the seed's tables, a price seen today) can be
 * replayed. Syntax: `[provider:]gpu=value`, `provider=value`, or `local=value`.
 *   --price runpod:4090=0.34          USD per hour
 *   --speed local=6s   --speed 4090=2.4s    seconds per image for this batch (final: no further scaling)
 *   --speed runpod:4090=2.5x          2.5 times faster per image than the local row
 */
import { BadInputError } from '../../providers/errors';
import { resolveGpuNames } from '../catalog/gpu-names';
import { CATALOG_PROVIDERS, CatalogProvider } from '../catalog/schema';

export interface RowSelector {
  provider?: CatalogProvider;
  /** Undefined: every GPU of the provider. */
  gpus?: string[];
}

export interface PriceOverride extends RowSelector {
  usdPerHour: number;
  spec: string;
}

export interface SpeedOverride extends RowSelector {
  secondsPerImage?: number;
  timesFasterThanLocal?: number;
  spec: string;
}

function parseSelector(spec: string, text: string, flag: string, knownGpus: readonly string[]): RowSelector {
  const [first, second] = text.includes(':') ? text.split(':', 2) : [text, undefined];
  const isProvider = (x: string): x is CatalogProvider => (CATALOG_PROVIDERS as readonly string[]).includes(x.toLowerCase());
  if (second !== undefined) {
    if (!isProvider(first)) throw new BadInputError(`${flag} "${spec}": unknown provider "${first}"; accepted: ${CATALOG_PROVIDERS.join(', ')}`);
    return { provider: first.toLowerCase() as CatalogProvider, gpus: resolveGpuNames(second, knownGpus, `${flag} "${spec}"`) };
  }
  if (isProvider(first)) return { provider: first.toLowerCase() as CatalogProvider };
  return { gpus: resolveGpuNames(first, knownGpus, `${flag} "${spec}"`) };
}

function split(spec: string, flag: string, accepted: string): [string, string] {
  const at = spec.lastIndexOf('=');
  if (at <= 0 || at === spec.length - 1) throw new BadInputError(`${flag} "${spec}": expected [provider:]gpu=value; accepted values: ${accepted}`);
  return [spec.slice(0, at).trim(), spec.slice(at + 1).trim()];
}

export function parsePriceOverride(spec: string, knownGpus: readonly string[]): PriceOverride {
  const accepted = 'USD per hour, e.g. runpod:4090=0.34';
  const [selector, value] = split(spec, '--price', accepted);
  const usdPerHour = Number(value.replace(/^\$/, '').replace(/\/h$/i, ''));
  if (!Number.isFinite(usdPerHour) || usdPerHour < 0) throw new BadInputError(`--price "${spec}": "${value}" is not a price; accepted: ${accepted}`);
  return { ...parseSelector(spec, selector, '--price', knownGpus), usdPerHour, spec };
}

export function parseSpeedOverride(spec: string, knownGpus: readonly string[]): SpeedOverride {
  const accepted = 'seconds per image (2.4 or 2.4s) or a multiple of the local speed (2.5x)';
  const [selector, value] = split(spec, '--speed', accepted);
  const match = /^(\d+(?:\.\d+)?)\s*(s|x)?$/i.exec(value);
  const n = match ? Number(match[1]) : NaN;
  if (!match || !(n > 0)) throw new BadInputError(`--speed "${spec}": "${value}" is not a speed; accepted: ${accepted}`);
  const target = parseSelector(spec, selector, '--speed', knownGpus);
  if (match[2]?.toLowerCase() === 'x') {
    if (target.provider === 'local') throw new BadInputError(`--speed "${spec}": the local row is the reference; give it seconds per image (local=6s)`);
    return { ...target, timesFasterThanLocal: n, spec };
  }
  return { ...target, secondsPerImage: n, spec };
}

function selects(selector: RowSelector, row: { provider: string; gpu: string }): boolean {
  return (selector.provider === undefined || selector.provider === row.provider) && (selector.gpus === undefined || selector.gpus.includes(row.gpu));
}

/** The last override that selects the row wins, as on most command lines. */
export function lastMatching<T extends RowSelector>(overrides: readonly T[], row: { provider: string; gpu: string }): T | undefined {
  return [...overrides].reverse().find((o) => selects(o, row));
}
