/** Human rendering of `gpuburst offers`. */
import type { PricedOffer } from '../../catalog/offers';
import type { OfferError } from '../../catalog/live';
import { usdPerHour } from './format';
import { table } from './table';

export function renderOffers(offers: PricedOffer[], errors: OfferError[], catalogDate: string): string {
  const out = [
    table(
      ['provider', 'GPU', 'count', 'VRAM', '$/h', 'tier', 'region', 'available', 'from'],
      offers.map((o) => [
        o.provider,
        `${o.gpu}${o.variant ? ' ' + o.variant : ''}`,
        String(o.gpuCount),
        `${o.vramGb} GB`,
        usdPerHour(o.usdPerHour, o.usdPerMonth),
        o.interruptible ? 'interruptible' : 'on-demand',
        o.region ?? '—',
        o.available === null ? '?' : o.available ? 'yes' : 'no',
        o.live ? 'live' : `catalog ${o.date}`,
      ]),
      ['left', 'left', 'right', 'right', 'right', 'left', 'left', 'left', 'left'],
    ),
  ];
  for (const e of errors) out.push(`${e.provider}: live offers failed (${e.code}): ${e.message}; catalog rows shown instead.`);
  if (offers.some((o) => !o.live)) {
    out.push(`Catalog rows (compiled ${catalogDate}) are dated list prices with unknown availability; set a provider's API key for live offers.`);
  }
  return out.join('\n');
}
