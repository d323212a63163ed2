/** Contract-suite glue for Vast: its simulator without rate limits (timing-free tests), capacity via the admin route. */
import type { Offer } from '../../../providers/types';
import { parseOfferId } from '../../../providers/vast/offers';
import { start } from '../../../src/sim/vast';
import type { ContractHarness } from './types';

export const harness: ContractHarness = {
  provider: 'vast',
  start: (opts) => start({ ...opts, rateLimits: false }),
  async exhaustCapacity(sim, offer: Offer) {
    // Another renter takes the ask between our search and our create (docs/reference/vast.md §2); it frees up afterwards, so
    // later cases can still use this offer.
    const res = await fetch(`${sim.url}/_sim/capacity`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ask_id: parseOfferId(offer.offerId).askId, outraced_creates: 1 }),
    });
    if (!res.ok) throw new Error(`vast sim capacity: ${res.status}`);
  },
  create: { method: 'PUT', path: '^/api/v0/asks/\\d+/$' },
  // Look a lost create up sooner than against the real API: the simulator lists a new instance at once.
  env: { GPUBURST_VAST_CREATE_SETTLE_MS: '100' },
};
