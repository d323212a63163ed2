/** The one offer filter: each ListOffersOptions field, alone and together. */
import { filterOffers, offerMatches } from '../../providers/offer-filter';
import type { Offer } from '../../providers/types';

const offer = (o: Partial<Offer>): Offer => ({
  provider: 'vast', offerId: 'x', gpu: 'RTX 4090', gpuCount: 1, vramGb: 24, usdPerHour: 0.5, interruptible: false, region: 'r', available: true, live: true, ...o,
});
const OFFERS = [
  offer({ offerId: 'a', usdPerHour: 0.5 }),
  offer({ offerId: 'b', gpu: 'A100 80GB', vramGb: 80, usdPerHour: 1.6 }),
  offer({ offerId: 'c', gpu: 'A100 80GB', vramGb: 80, usdPerHour: 0.9, interruptible: true }),
  offer({ offerId: 'd', gpuCount: 2, usdPerHour: 1.0 }),
  offer({ offerId: 'e', usdPerHour: 0.3 }),
];
const ids = (opts: Parameters<typeof filterOffers>[1]) => filterOffers(OFFERS, opts).map((o) => o.offerId);

test.each([
  [{}, ['e', 'a', 'c', 'd', 'b']],
  [{ gpu: 'a100 80gb' }, ['c', 'b']],
  [{ gpu: 'A100  80GB' }, ['c', 'b']],
  [{ gpu: 'A100 40GB' }, []],
  [{ minVramGb: 48 }, ['c', 'b']],
  [{ maxUsdPerHour: 0.9 }, ['e', 'a', 'c']],
  [{ interruptible: true }, ['c']],
  [{ interruptible: false }, ['e', 'a', 'd', 'b']],
  [{ gpuCount: 2 }, ['d']],
  [{ gpu: 'RTX 4090', gpuCount: 1, maxUsdPerHour: 0.4, interruptible: false }, ['e']],
])('%j keeps %j, cheapest first', (opts, expected) => {
  expect(ids(opts)).toEqual(expected);
});

test('a blank gpu option filters nothing', () => {
  expect(OFFERS.every((o) => offerMatches(o, { gpu: ' ' }))).toBe(true);
});
