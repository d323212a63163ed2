/**
 * Per-provider glue for the contract suite: how to start that provider's simulator and the few provider-specific
 * levers the shared cases need. Each provider adds one file next to this one; the suite discovers them.
 */
import type { CloudProviderName, Offer } from '../../../providers/types';
import type { ProviderSim, SimOptions } from '../../../src/sim/common/types';

export interface ContractHarness {
  provider: CloudProviderName;
  start(opts: SimOptions): Promise<ProviderSim>;
  /** Make the given offer impossible to place (capacity gone), through the simulator's admin surface. */
  exhaustCapacity(sim: ProviderSim, offer: Offer): Promise<void>;
  /** The create request, for fault rules (method and a path regex). */
  create: { method: string; path: string };
  /** Environment extras the adapter needs beyond `sim.env` (none for most). */
  env?: Record<string, string>;
}
