/**
 * Gets one machine from a ranked list of offers: the intent is journaled before the create is sent, the id as
 * soon as it is known; a capacity error moves on to the next offer (also when it surfaces while booting, as on
 * Paperspace); the machine is ready when ComfyUI answers with its token and the agent has placed every model.
 * Any other failure propagates with the machine still in the journal, so the caller's teardown ends it.
 */
import { CapacityError, GpuburstError } from '../../providers/errors';
import type { CloudProviderName, KillSwitch, Machine, Offer, Provider } from '../../providers/types';
import { ComfyClient } from '../comfy/client';
import type { AgentSettings } from './agent/config';
import { MachineChannel, waitForModels } from './channel';
import type { Emit } from './events';
import { accessToken, machineName } from './ids';
import type { Journal, MachineRecord } from './journal';
import type { ProviderPool } from './pool';
import { buildSpec } from './spec';

export interface ProvisionOptions {
  journal: Journal;
  stateDir: string;
  pool: ProviderPool;
  agent: (offer: Offer) => AgentSettings;
  /** Hand account keys to machines of providers without a machine-scoped key (Lambda, Paperspace). */
  remoteKey: boolean;
  readyTimeoutSeconds: number;
  modelsTimeoutSeconds: number;
  pollSeconds: number;
  heartbeatMs: number;
  heartbeat: () => { spentUsd?: number; budgetUsd?: number };
  signal?: AbortSignal;
  emit: Emit;
}

export interface ProvisionedMachine {
  record: MachineRecord;
  provider: Provider;
  machine: Machine;
  client: ComfyClient;
  /** Undefined for local servers, which have no agent. */
  channel?: MachineChannel;
}

export async function provisionOne(o: ProvisionOptions, index: number, candidates: Offer[]): Promise<ProvisionedMachine> {
  let lastCapacity: GpuburstError | undefined;
  for (const offer of candidates) {
    if (o.signal?.aborted) break;
    const provider = o.pool.get(offer.provider);
    const name = machineName(o.journal.data.id, index);
    const record: MachineRecord = {
      provider: offer.provider,
      name,
      offerId: offer.offerId,
      gpu: offer.gpu,
      gpuCount: offer.gpuCount,
      usdPerHour: offer.usdPerHour,
      region: offer.region,
      state: 'intended',
      intendedAt: new Date().toISOString(),
      watchdog: { armed: false, via: provider.capabilities().selfTerminate.via },
    };
    try {
      return await provisionOn(o, provider, offer, record);
    } catch (err) {
      if (!(err instanceof CapacityError)) throw err;
      lastCapacity = err;
      o.emit({ type: 'log', level: 'warn', message: `${offer.provider} ${offer.gpu}: no capacity (${err.message}); trying the next offer` });
      if (record.id) await endQuietly(o, provider, record);
      else o.journal.now(() => (record.state = 'not-created'));
    }
  }
  throw lastCapacity ?? new CapacityError('no offer left to try');
}

async function provisionOn(o: ProvisionOptions, provider: Provider, offer: Offer, record: MachineRecord): Promise<ProvisionedMachine> {
  const token = offer.provider === 'local' ? undefined : accessToken(o.stateDir, record.name);
  const settings = o.agent(offer);
  let killSwitch: KillSwitch | undefined;
  if (offer.provider !== 'local') {
    const caps = provider.capabilities().selfTerminate;
    if (caps.via === 'machine-scoped-key') killSwitch = provider.killSwitch({ name: record.name });
    else if (caps.via === 'account-key' && o.remoteKey) killSwitch = provider.killSwitch({ name: record.name, remoteKey: o.pool.accountKey(offer.provider as CloudProviderName) });
    record.watchdog = { armed: killSwitch !== undefined, via: killSwitch ? caps.via : 'none', heartbeatMinutes: killSwitch ? settings.heartbeatMinutes : undefined };
  }
  // The agent's lifetime cap also sets the provider's own timer where one exists (Paperspace auto-shutdown).
  const spec =
    offer.provider === 'local'
      ? { name: record.name, sessionId: o.journal.data.id, offerId: offer.offerId, image: '', env: {}, ports: [], diskGb: 0 }
      : buildSpec({ provider: offer.provider, offer, sessionId: o.journal.data.id, name: record.name, token: token!, agent: settings, killSwitch, maxLifetimeHours: settings.maxLifetimeMinutes / 60 });

  // Money first: the intent is on disk before the request leaves.
  o.journal.now((d) => d.machines.push(record));
  o.emit({ type: 'machine', name: record.name, provider: offer.provider, gpu: offer.gpu, state: 'intended', usdPerHour: offer.usdPerHour });
  // No abort signal: a create that was sent must finish, or a machine created after Ctrl-C would be missed by the
  // teardown (it looks the name up once, before the provider has made it). It is one request, bounded by its timeout.
  const created = await provider.createMachine({ spec }).catch((err: unknown) => {
    // Some failures still leave a billing machine behind (a Vast bid contract): remember it for teardown.
    const id = (err as GpuburstError).machineId;
    if (id) o.journal.now(() => Object.assign(record, { id, state: 'created', createdAt: new Date().toISOString() }));
    throw err;
  });
  o.journal.now(() => Object.assign(record, { id: created.id, state: 'created', createdAt: new Date().toISOString(), usdPerHour: created.usdPerHour ?? record.usdPerHour }));
  o.emit({ type: 'machine', name: record.name, provider: offer.provider, gpu: offer.gpu, state: 'booting', id: created.id, usdPerHour: record.usdPerHour });

  const probeClient = (endpoint: string) => new ComfyClient({ baseUrl: endpoint, token, machineId: created.id, timeoutMs: 10_000 });
  const ready = await provider.waitUntilReady({
    id: created.id,
    probe: (endpoint) => probeClient(endpoint).isReady(5000),
    timeoutSeconds: o.readyTimeoutSeconds,
    pollSeconds: o.pollSeconds,
    signal: o.signal,
  });
  const client = probeClient(ready.endpoint!);
  const channel = offer.provider === 'local' ? undefined : new MachineChannel(client, o.heartbeatMs, o.heartbeat);
  channel?.start();
  o.journal.now(() => Object.assign(record, { endpoint: ready.endpoint, readyAt: new Date().toISOString(), state: 'ready' }));
  if (channel && settings.models.length) {
    o.emit({ type: 'machine', name: record.name, provider: offer.provider, gpu: offer.gpu, state: 'placing-models', id: created.id });
    // A heartbeat left beating would keep this process alive and the machine's watchdog from ever firing.
    await waitForModels(channel, settings.models, { machineId: created.id, timeoutSeconds: o.modelsTimeoutSeconds, pollMs: o.pollSeconds * 1000, signal: o.signal }).catch(async (err: unknown) => {
      await channel.stop();
      throw err;
    });
  }
  o.emit({ type: 'machine', name: record.name, provider: offer.provider, gpu: offer.gpu, state: 'ready', id: created.id });
  return { record, provider, machine: ready, client, channel };
}

/** A machine that turned out to have no capacity (Paperspace lands it `off`): end it before trying elsewhere. */
async function endQuietly(o: ProvisionOptions, provider: Provider, record: MachineRecord): Promise<void> {
  try {
    await provider.terminateMachine({ id: record.id! });
    o.journal.now(() => Object.assign(record, { state: 'terminated', endedAt: new Date().toISOString(), note: 'no capacity; terminated before trying the next offer' }));
  } catch (err) {
    o.journal.now(() => (record.note = `no capacity; terminate failed: ${(err as Error).message}`));
  }
}
