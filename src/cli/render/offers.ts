/** Human rendering of `gpuburst offers`. */
import type { PricedOffer } from '../../catalog/offers';
import { usdPerHour } from './format';
import { table } from './table';

/** The table; live-read failures are warning lines on stderr (the command's), not part of it. @public (loaded lazily by commands/offers.ts). */
export function renderOffers(offers: PricedOffer[], catalogDate: string): string {
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
  if (offers.some((o) => !o.live)) {
    out.push(`Catalog rows (compiled ${catalogDate}) are dated list prices with unknown availability; set a provider's API key for live offers.`);
  }
  return out.join('\n');
}
