/**
 * Capacity taken away from a machine that is stopped, so starting it again fails, and given back — per provider,
 * through each simulator's admin route.
 */
import type { CloudProviderName } from '../../../providers/types';
import { parseOfferId as paperspaceOffer } from '../../../providers/paperspace/offers';
import { parseOfferId as vastOffer } from '../../../providers/vast/offers';
import type { ProviderSim } from '../../../src/sim/common/types';

async function post(sim: ProviderSim, body: unknown): Promise<unknown> {
  const res = await fetch(`${sim.url}/_sim/capacity`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${sim.provider} /_sim/capacity: ${res.status} ${await res.text()}`);
  return res.json();
}

/** Takes the machine's GPUs away; returns how to give them back. */
export async function takeCapacity(provider: CloudProviderName, sim: ProviderSim, offerId: string): Promise<() => Promise<void>> {
  switch (provider) {
    case 'vast': {
      // The host's GPU was rented by someone else while the instance was stopped (docs/reference/vast.md §6: `scheduling`).
      const ask_id = vastOffer(offerId).askId;
      await post(sim, { ask_id, startable: false });
      return async () => void (await post(sim, { ask_id, startable: true }));
    }
    case 'paperspace': {
      // The next start cannot be placed although the type is listed (docs/reference/paperspace.md §4).
      const { machineType, region } = paperspaceOffer(offerId);
      await post(sim, { machineType, region, failPlacements: 1 });
      return async () => void (await post(sim, { machineType, region, failPlacements: 0 }));
    }
    default:
      // Lambda cannot stop; a RunPod pod is not stopped while it holds outputs (its container disk would be cleared).
      throw new Error(`${provider}: no stopped machine holds outputs here, so there is no restart to fail`);
  }
}

