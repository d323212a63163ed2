/**
 * Lambda glue for the contract suite. The simulator keeps Lambda's rate-limit rules but with short intervals, and
 * the adapter spaces its requests a little wider than the simulator demands, so the suite stays fast without
 * tripping 429s. Capacity "runs out" as the race the reference describes (docs/reference/lambda.md §10.1): the listing still
 * shows the region, the next launch there fails with insufficient-capacity; later cases can launch again.
 */
import type { ContractHarness } from './types';
import { start } from '../../../src/sim/lambda';

export const harness: ContractHarness = {
  provider: 'lambda',
  start: (opts) => start({ ...opts, rateLimits: { minIntervalMs: 5, launchIntervalMs: 20 } }),
  async exhaustCapacity(sim, offer) {
    const [type, region] = offer.offerId.split(':');
    const res = await fetch(`${sim.url}/_sim/capacity`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ instance_type_name: type, region_name: region, fail_launches: 1 }),
    });
    if (!res.ok) throw new Error(`lambda sim refused the capacity update: ${res.status}`);
  },
  create: { method: 'POST', path: '^/api/v1/instance-operations/launch$' },
  env: { GPUBURST_LAMBDA_MIN_INTERVAL_MS: '10', GPUBURST_LAMBDA_LAUNCH_INTERVAL_MS: '40', GPUBURST_LAMBDA_CREATE_SETTLE_MS: '100', GPUBURST_LAMBDA_RETRY_BASE_DELAY_MS: '50' },
};
