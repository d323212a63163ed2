/**
 * Contract-suite glue for Paperspace: its simulator, and capacity taken away through `POST /_sim/capacity`.
 * The stock-out is the asynchronous kind the reference describes (docs/reference/paperspace.md §4): availability still says yes,
 * the next create answers 200 and then lands in `off` with an errored create event; later cases place again.
 */
import { parseOfferId } from '../../../providers/paperspace/offers';
import { start } from '../../../src/sim/paperspace';
import type { ContractHarness } from './types';

export const harness: ContractHarness = {
  provider: 'paperspace',
  start,
  async exhaustCapacity(sim, offer) {
    const { machineType, region } = parseOfferId(offer.offerId);
    const res = await fetch(`${sim.url}/_sim/capacity`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ machineType, region, failPlacements: 1 }),
    });
    if (res.status !== 200) throw new Error(`paperspace sim refused the capacity change: ${res.status}`);
  },
  create: { method: 'POST', path: '^/v1/machines$' },
  // Look a machine up soon after an ambiguous create failure: the simulator lists new machines at once.
  env: { GPUBURST_PAPERSPACE_CREATE_SETTLE_MS: '50' },
};
