/**
 * `gpuburst offers`: live offers from every cloud whose API key is set (read in parallel), the bundled catalog for
 * the others (`live: false`); `--offline` lists the catalog only. With every cloud (`--provider auto` or none), a
 * cloud that fails is a warning line and in `errors`, its catalog rows stand in, and it never hides the others.
 * With one cloud named (`--provider runpod`), a missing or refused key is the answer: exit 3, naming the variable;
 * a bad setting of it (`GPUBURST_RUNPOD_*`) exit 2.
 */
import type { Command } from 'commander';
import { AuthError, BadInputError } from '../../../providers/errors';
import { hasKey, PROVIDER_ENV } from '../../../providers/index';
import { CLOUD_PROVIDERS, CloudProviderName } from '../../../providers/types';
import { collectOffers, OfferError } from '../../catalog/live';
import { resolveGpuNames } from '../../catalog/gpu-names';
import { loadCatalog } from '../../catalog/load';
import type { PricedOffer } from '../../catalog/offers';
import { positiveNumber } from '../../estimate/batch';
import { formatUsdPerHour as usdPerHour } from '../../estimate/money';
import type { CliContext, CommandResult } from '../context';

export function define(cmd: Command): void {
  cmd
    .option('--provider <name>', `only this cloud: ${CLOUD_PROVIDERS.join(', ')}, or auto (every cloud, the default)`)
    .option('--gpu <name>', 'only this GPU, e.g. "RTX 4090", 4090, a100')
    .option('--min-vram <gb>', 'only GPUs with at least this much VRAM, GB')
    .option('--max-price <usd>', 'only offers at or below this price, USD per hour')
    .option('--interruptible', 'only interruptible (spot / bid) offers')
    .option('--offline', 'the bundled catalog only; no API calls')
    .option('--catalog <file>', 'catalog file to use instead of the bundled one (also: GPUBURST_CATALOG)')
    .option('--json', 'print offers and per-provider errors as JSON');
}

function parseCloud(text: unknown): CloudProviderName | undefined {
  if (text === undefined) return undefined;
  const name = String(text).trim().toLowerCase();
  if (name === 'auto') return undefined;
  if ((CLOUD_PROVIDERS as readonly string[]).includes(name)) return name as CloudProviderName;
  const why = name === 'colab' || name === 'local' ? ` (${name} has no offers to rent; see gpuburst estimate)` : '';
  throw new BadInputError(`--provider: unknown cloud "${text}"${why}; accepted: ${CLOUD_PROVIDERS.join(', ')}, auto`);
}

/** One line, never the key: the variable, and what the provider said (already redacted). */
function keyRefused(e: OfferError): string {
  const said = e.message.split('\n')[0].replace(new RegExp(`^${e.provider}: `), '');
  return `${e.provider}: ${PROVIDER_ENV[e.provider].keyVar} was refused (${said})`;
}

interface Step {
  flag: string;
  keep: (o: PricedOffer) => boolean;
}

export async function run(_args: unknown[], opts: Record<string, unknown>, ctx: CliContext): Promise<CommandResult> {
  const cloud = parseCloud(opts.provider);
  const minVramGb = opts.minVram !== undefined ? positiveNumber('--min-vram', opts.minVram) : undefined;
  const maxUsdPerHour = opts.maxPrice !== undefined ? positiveNumber('--max-price', opts.maxPrice) : undefined;
  const { catalog } = loadCatalog({ path: opts.catalog as string | undefined, env: ctx.env, cwd: ctx.cwd });
  const offline = Boolean(opts.offline);
  if (cloud && !offline && !hasKey(cloud, ctx.env)) {
    throw new AuthError(`${cloud}: no API key; set ${PROVIDER_ENV[cloud].keyVar} (or add --offline for the catalog's ${cloud} rows)`, { provider: cloud });
  }
  const collected = await collectOffers({ catalog, env: ctx.env, offline, clouds: cloud ? [cloud] : CLOUD_PROVIDERS, log: ctx.log });
  const refused = collected.errors.find((e) => e.code === 'ERR_AUTH');
  if (cloud && refused) throw new AuthError(keyRefused(refused), { provider: cloud });
  // A misspelt or bad GPUBURST_<CLOUD>_* setting of the one cloud asked about is the answer too (exit 2), as for run.
  const misconfigured = collected.errors.find((e) => e.code === 'ERR_BAD_INPUT');
  if (cloud && misconfigured) throw new BadInputError(misconfigured.message);
  for (const e of collected.errors) {
    const what = e.code === 'ERR_AUTH' ? keyRefused(e) : `live offers failed (${e.code}): ${e.message.split('\n')[0]}`;
    ctx.log(`warning: ${e.code === 'ERR_AUTH' ? what : `${e.provider}: ${what}`}; its catalog rows are shown instead`);
  }

  // Live offers may name GPUs the catalog does not know; both count as known.
  const known = [...new Set([...Object.keys(catalog.gpus), ...collected.offers.map((o) => o.gpu)])];
  const gpus = opts.gpu !== undefined ? resolveGpuNames(String(opts.gpu), known) : undefined;
  const steps: Step[] = [
    ...(gpus ? [{ flag: `--gpu ${gpus.join('/')}`, keep: (o: PricedOffer) => gpus.includes(o.gpu) }] : []),
    ...(minVramGb !== undefined ? [{ flag: `--min-vram ${minVramGb}`, keep: (o: PricedOffer) => o.vramGb >= minVramGb }] : []),
    ...(opts.interruptible ? [{ flag: '--interruptible', keep: (o: PricedOffer) => o.interruptible }] : []),
    ...(maxUsdPerHour !== undefined ? [{ flag: `--max-price ${maxUsdPerHour}`, keep: (o: PricedOffer) => o.usdPerHour <= maxUsdPerHour }] : []),
  ];
  let offers = collected.offers;
  const trail: string[] = [`${offers.length} offer${offers.length === 1 ? '' : 's'}${cloud ? ` from ${cloud}` : ''}`];
  for (const step of steps) {
    const before = offers;
    offers = offers.filter(step.keep);
    trail.push(`${step.flag} kept ${offers.length}`);
    if (!offers.length) {
      const cheapest = [...before].sort((a, b) => a.usdPerHour - b.usdPerHour)[0];
      const hint = step.flag.startsWith('--max-price') && cheapest ? ` (the cheapest left was ${usdPerHour(cheapest.usdPerHour)}/h, ${cheapest.provider} ${cheapest.gpu})` : '';
      const failed = collected.errors.length ? `; live reads failed: ${collected.errors.map((e) => `${e.provider} ${e.code}`).join(', ')}` : '';
      throw new BadInputError(`no offer matches: ${trail.join(', ')}${hint}${failed}`);
    }
  }
  offers = [...offers].sort((a, b) => a.usdPerHour - b.usdPerHour || a.gpu.localeCompare(b.gpu));
  const data = {
    offers: offers.map((o) => ({
      provider: o.provider, gpu: o.gpu, gpuCount: o.gpuCount, vramGb: o.vramGb, usdPerHour: o.usdPerHour, interruptible: o.interruptible,
      region: o.region, available: o.available, offerId: o.offerId, live: o.live,
      ...(o.variant ? { variant: o.variant } : {}), ...(o.live ? {} : { date: o.date }), source: o.source,
    })),
    errors: collected.errors,
    catalogDate: catalog.catalogDate,
  };
  // The table renderer (cli-table3) loads only when text is printed, not for --json.
  return { data, text: () => (require('../render/offers') as typeof import('../render/offers')).renderOffers(offers, catalog.catalogDate) };
}
