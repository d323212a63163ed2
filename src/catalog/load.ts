/**
 * Loads the catalog: the bundled `catalog.json` next to this file, or another file named by `--catalog` or the
 * GPUBURST_CATALOG environment variable (JSON, or YAML by extension). A malformed file is a BadInputError that
 * names the file, the field and what was expected.
 */
import * as path from 'path';
import { BILLING } from '../../providers/billing';
import { BadInputError } from '../../providers/errors';
import { readUserText } from '../read-text';
import { Catalog, catalogSchema } from './schema';

export const CATALOG_ENV = 'GPUBURST_CATALOG';
/** The bundled catalog is ~30 KB. */
const MAX_CATALOG_BYTES = 16 * 1024 * 1024;

export interface LoadCatalogOptions {
  /** A path from the command line; wins over the environment. */
  path?: string;
  env?: NodeJS.ProcessEnv;
  /** Relative paths are resolved against this directory. */
  cwd?: string;
}

export interface LoadedCatalog {
  catalog: Catalog;
  path: string;
  origin: 'option' | 'env' | 'bundled';
}

export function bundledCatalogPath(): string {
  return path.join(__dirname, 'catalog.json');
}

export function loadCatalog(opts: LoadCatalogOptions = {}): LoadedCatalog {
  const fromEnv = opts.env?.[CATALOG_ENV]?.trim();
  const origin = opts.path ? 'option' : fromEnv ? 'env' : 'bundled';
  const given = opts.path ?? fromEnv;
  const file = given ? path.resolve(opts.cwd ?? process.cwd(), given) : bundledCatalogPath();
  let text: string;
  try {
    text = readUserText(file, MAX_CATALOG_BYTES);
  } catch (err) {
    const via = origin === 'env' ? ` (from ${CATALOG_ENV})` : '';
    throw new BadInputError(`catalog file ${file}${via} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return { catalog: parseCatalog(parseText(text, file), file), path: file, origin };
}

function parseText(text: string, file: string): unknown {
  try {
    // yaml is loaded only for YAML files: it costs ~40 ms at start.
    if (/\.ya?ml$/i.test(file)) return (require('yaml') as typeof import('yaml')).parse(text);
    return JSON.parse(text);
  } catch (err) {
    throw new BadInputError(`catalog ${file} is not valid ${/\.ya?ml$/i.test(file) ? 'YAML' : 'JSON'}: ${(err as Error).message.split('\n')[0]}`);
  }
}

/** Validates a parsed catalog; `label` names it in messages. */
export function parseCatalog(raw: unknown, label: string): Catalog {
  const result = catalogSchema.safeParse(raw);
  if (!result.success) {
    const [first, ...rest] = result.error.issues;
    const where = first.path.length ? first.path.join('.') : '(top level)';
    const more = rest.length ? ` (and ${rest.length} more problem${rest.length > 1 ? 's' : ''})` : '';
    throw new BadInputError(`catalog ${label}: ${where}: ${first.message}${more}`);
  }
  const problem = crossCheck(result.data);
  if (problem) throw new BadInputError(`catalog ${label}: ${problem}`);
  return result.data;
}

/** References between sections, which the schema alone cannot see. */
function crossCheck(c: Catalog): string | undefined {
  const gpus = Object.keys(c.gpus);
  const seenOffers = new Set<string>();
  for (const [i, o] of c.offers.entries()) {
    if (!gpus.includes(o.gpu)) return `offers.${i}.gpu: "${o.gpu}" is not in gpus (${gpus.join(', ')})`;
    if (!c.providers[o.provider]) return `offers.${i}.provider: "${o.provider}" has no entry in providers`;
    if (o.provider === 'paperspace') return `offers.${i}: Paperspace prices come from the adapter's table (providers/paperspace/offers.ts); change them with --price or GPUBURST_PAPERSPACE_PRICES`;
    const key = `${o.provider}|${o.gpu}|${o.variant ?? ''}|${o.interruptible}`;
    if (seenOffers.has(key)) return `offers.${i}: a second row for ${o.provider} ${o.gpu}${o.variant ? ' ' + o.variant : ''} (${o.interruptible ? 'interruptible' : 'on-demand'})`;
    seenOffers.add(key);
  }
  const seenRows = new Set<string>();
  for (const [i, t] of c.throughput.entries()) {
    if (!gpus.includes(t.gpu)) return `throughput.${i}.gpu: "${t.gpu}" is not in gpus (${gpus.join(', ')})`;
    const key = `${t.gpu}|${t.model}`;
    if (seenRows.has(key)) return `throughput.${i}: a second row for ${t.gpu} ${t.model}`;
    seenRows.add(key);
  }
  for (const [name, terms] of Object.entries(c.providers)) {
    if (terms && !terms.provisionable && !terms.reason) return `providers.${name}.reason: required when provisionable is false`;
    const fixed = name in BILLING;
    if (terms?.billing && fixed) return `providers.${name}.billing: ${name} compute billing comes from providers/billing.ts (see docs/billing.md); remove it from the catalog`;
    if (terms && !terms.billing && !fixed) return `providers.${name}.billing: required for a provider gpuburst has no adapter for`;
  }
  return undefined;
}
