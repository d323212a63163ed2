/**
 * One machine on one offer: the intent is journaled (and flushed) before the create is sent, the id as soon as it is
 * known, even from a failed create that left a billing machine behind. Any failure propagates with the machine in
 * the journal, so the caller's teardown ends it.
 */
import type { GpuburstError } from '../../../providers/errors';
import type { Machine, MachineSpec, Offer, Provider } from '../../../providers/types';
import type { Emit } from '../events';
import type { Journal, MachineRecord } from '../journal';

export function intendedRecord(offer: Offer, name: string, via: string): MachineRecord {
  return {
    provider: offer.provider,
    name,
    offerId: offer.offerId,
    gpu: offer.gpu,
    gpuCount: offer.gpuCount,
    usdPerHour: offer.usdPerHour,
    region: offer.region,
    state: 'intended',
    intendedAt: new Date().toISOString(),
    watchdog: { armed: false, via },
  };
}

export async function createJournaled(o: { journal: Journal; provider: Provider; offer: Offer; record: MachineRecord; spec: MachineSpec; emit: Emit }): Promise<Machine> {
  const { journal, offer, record } = o;
  // Money first: the intent is on disk before the request leaves.
  journal.now((d) => d.machines.push(record));
  o.emit({ type: 'machine', name: record.name, provider: offer.provider, gpu: offer.gpu, state: 'intended', usdPerHour: offer.usdPerHour });
  // No abort signal: a create that was sent must finish, or a machine created after Ctrl-C would be missed by the
  // teardown (it looks the name up once, before the provider has made it). It is one request, bounded by its timeout.
  const created = await o.provider.createMachine({ spec: o.spec }).catch((err: unknown) => {
    // Some failures still leave a billing machine behind (a Vast bid contract): remember it for teardown.
    const id = (err as GpuburstError).machineId;
    if (id) journal.now(() => Object.assign(record, { id, state: 'created', createdAt: new Date().toISOString() }));
    throw err;
  });
  journal.now(() => Object.assign(record, { id: created.id, state: 'created', createdAt: new Date().toISOString(), usdPerHour: created.usdPerHour ?? record.usdPerHour }));
  o.emit({ type: 'machine', name: record.name, provider: offer.provider, gpu: offer.gpu, state: 'booting', id: created.id, usdPerHour: record.usdPerHour });
  return created;
}

/** A machine that turned out to have no capacity (Paperspace lands it `off`): end it before trying elsewhere. */
export async function endQuietly(journal: Journal, provider: Provider, record: MachineRecord): Promise<void> {
  try {
    await provider.terminateMachine({ id: record.id! });
    journal.now(() => Object.assign(record, { state: 'terminated', endedAt: new Date().toISOString(), note: 'no capacity; terminated before trying the next offer' }));
  } catch (err) {
    journal.now(() => (record.note = `no capacity; terminate failed: ${(err as Error).message}`));
  }
}
