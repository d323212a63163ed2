/**
 * What a user must read before renting: which machines get a key, and what ends a machine if gpuburst dies. Taken
 * from each provider's capabilities (how its machines end themselves), not from a list of provider names.
 */
import { PROVIDER_ENV } from '../../providers/index';
import type { CloudProviderName } from '../../providers/types';
import type { Plan } from './plan';
import type { ProviderPool } from './pool';
import type { SessionRequest } from './request';

export function keyNotes(plan: Plan, pool: ProviderPool, request: SessionRequest): string[] {
  const notes: string[] = [];
  if (request.simulated) notes.push('Simulated: no real machine is rented and nothing is billed.');
  for (const p of new Set(plan.ranked.slice(0, 3).map((r) => r.offer.provider))) {
    const caps = pool.get(p).capabilities().selfTerminate;
    if (caps.via === 'machine-scoped-key') notes.push(`${p}: ${caps.reason} Your account key never leaves this computer.`);
    if (caps.via !== 'account-key') continue;
    const key = PROVIDER_ENV[p as CloudProviderName]?.keyVar ?? 'account key';
    notes.push(
      request.remoteKey
        ? `${p}: your ${key} is handed to the machine so its watchdog can terminate it if this computer goes away; anyone with a shell on that machine could use it (full account access). Pass --no-remote-key to refuse.`
        : `${p}: --no-remote-key: the machine cannot end itself; only gpuburst (this run, resume, down or sweep) terminates it. ${caps.withoutRemoteKey}`,
    );
  }
  return notes;
}
