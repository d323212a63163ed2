/** Contract-suite glue for RunPod: its simulator, a stock-out through `/_sim/capacity`, and the v2 create route. */
import { parseOfferId } from '../../../providers/runpod/offers';
import type { Offer } from '../../../providers/types';
import { start } from '../../../src/sim/runpod';
import type { ProviderSim, SimOptions } from '../../../src/sim/common/types';
import type { ContractHarness } from './types';

export const harness: ContractHarness = {
  provider: 'runpod',
  // The suite polls every 50 ms; the default 60 requests/minute quota (tested in test/sim/runpod) would stall it.
  start: (opts: SimOptions) => start({ ...opts, rateLimitPerMinute: 100_000 }),
  async exhaustCapacity(sim: ProviderSim, offer: Offer): Promise<void> {
    const { gpuTypeId, cloud } = parseOfferId(offer.offerId);
    // A passing stock-out: the pool refuses the next create, then comes back for the cases that follow.
    const res = await fetch(`${sim.url}/_sim/capacity`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ gpuTypeId, cloud, free: 0, restoreAfterRefusals: 1 }),
    });
    if (!res.ok) throw new Error(`runpod sim: /_sim/capacity answered ${res.status}`);
  },
  create: { method: 'POST', path: '^/v2/pods$' },
  // Look a lost create up after 100 ms instead of 1 s, to keep the suite fast.
  env: { GPUBURST_RUNPOD_CREATE_SETTLE_MS: '100' },
};
