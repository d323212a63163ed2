/**
 * Reaching a machine a journal already knows (resume, the Pulumi render step): a stopped one is started again, a
 * running one waited for until ComfyUI answers with its token; a gone one is marked ended in the journal.
 */
import { ComfyClient } from '../comfy/client';
import type { AgentModel } from './agent/config';
import { MachineChannel, waitForModels } from './channel';
import type { Emit } from './events';
import { accessToken } from './ids';
import type { Journal, MachineRecord } from './journal';
import type { ProviderPool } from './pool';
import type { ProvisionedMachine } from './provision';
import { SessionTimings, watchdogCadence } from './timings';

export interface ReconnectOptions {
  stateDir: string;
  journal: Journal;
  pool: ProviderPool;
  rec: MachineRecord;
  timings: SessionTimings;
  signal?: AbortSignal;
  emit: Emit;
  /** Heartbeat payload while connected. */
  heartbeat?: () => { spentUsd?: number; budgetUsd?: number };
  /** The batch's models: the agent may still be placing them (the first client died early, or a restart wiped them). */
  models?: AgentModel[];
}

export async function reconnect(o: ReconnectOptions): Promise<ProvisionedMachine | undefined> {
  const { journal, pool, rec, timings } = o;
  const provider = pool.get(rec.provider);
  let live = await provider.getMachine({ id: rec.id! });
  if (live.status === 'terminated' || live.status === 'failed') {
    journal.now(() => Object.assign(rec, { state: 'terminated', endedAt: rec.endedAt ?? new Date().toISOString(), note: `found ${live.providerStatus} on resume` }));
    return undefined;
  }
  if (live.status === 'stopped') {
    o.emit({ type: 'log', level: 'info', message: `${rec.provider} ${rec.name}: starting it again to pull what it kept` });
    await provider.startMachine({ id: rec.id! });
  }
  const token = rec.provider === 'local' ? undefined : accessToken(o.stateDir, rec.name);
  const client = (endpoint: string) => new ComfyClient({ baseUrl: endpoint, token, machineId: rec.id, timeoutMs: 10_000 });
  live = await provider.waitUntilReady({ id: rec.id!, probe: (e) => client(e).isReady(5000), timeoutSeconds: timings.readyTimeoutSeconds, pollSeconds: timings.pollSeconds, signal: o.signal });
  journal.now(() => Object.assign(rec, { state: 'ready', endpoint: live.endpoint, endedAt: undefined }));
  const c = client(live.endpoint!);
  const channel = rec.provider === 'local' ? undefined : new MachineChannel(c, watchdogCadence(timings, rec.watchdog.heartbeatMinutes ?? 10).heartbeatMs, o.heartbeat ?? (() => ({})));
  channel?.start();
  if (channel && o.models?.length) {
    o.emit({ type: 'machine', name: rec.name, provider: rec.provider, gpu: rec.gpu, state: 'placing-models', id: rec.id });
    await waitForModels(channel, o.models, { machineId: rec.id!, timeoutSeconds: timings.modelsTimeoutSeconds, pollMs: timings.pollSeconds * 1000, signal: o.signal }).catch(async (err: unknown) => {
      await channel.stop();
      throw err;
    });
  }
  return { record: rec, provider, machine: live, client: c, channel };
}

