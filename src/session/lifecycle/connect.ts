/**
 * From "the provider has the machine" to "it can take prompts", the same for a new machine and a reconnected one:
 * ComfyUI answers with the machine's token, the heartbeat to its agent is beating, and the agent has placed every
 * model of the batch. A machine without an agent (a server the user runs) is ready once ComfyUI answers.
 */
import { BootstrapStatus, PHASE_WORDS } from '../../../providers/bootstrap';
import type { Machine, Provider } from '../../../providers/types';
import { ComfyClient } from '../../comfy/client';
import type { AgentModel } from '../agent/config';
import { HeartbeatPayload, MachineChannel, waitForModels } from '../channel';
import type { Emit } from '../events';
import type { Journal, MachineRecord } from '../journal';
import type { SessionTimings } from '../timings';

export interface Connected {
  machine: Machine;
  client: ComfyClient;
  /** Undefined for a machine without an agent. */
  channel?: MachineChannel;
}

export interface ConnectOptions {
  journal: Journal;
  provider: Provider;
  record: MachineRecord;
  /** The machine's access token; undefined for a server the user runs (no proxy, no agent). */
  token?: string;
  timings: SessionTimings;
  heartbeatMs: number;
  heartbeat: () => HeartbeatPayload;
  models: AgentModel[];
  /** Custom node packs the agent installs first (their folder names). */
  nodes?: string[];
  signal?: AbortSignal;
  emit: Emit;
}

export async function connect(o: ConnectOptions): Promise<Connected> {
  const { record: rec, timings } = o;
  let lastPhase: string | undefined;
  // A VM's first boot reports its phase on ComfyUI's port until ComfyUI takes it ("installing the NVIDIA runtime").
  const onBootstrap = (s: BootstrapStatus) => {
    if (s.phase === lastPhase) return;
    lastPhase = s.phase;
    o.emit({ type: 'machine', name: rec.name, provider: rec.provider, gpu: rec.gpu, state: 'booting', id: rec.id, message: `${PHASE_WORDS[s.phase]}…` });
  };
  const clientAt = (endpoint: string) => new ComfyClient({ baseUrl: endpoint, token: o.token, machineId: rec.id, timeoutMs: 10_000, onBootstrap });
  const machine = await o.provider.waitUntilReady({ id: rec.id!, probe: (e) => clientAt(e).isReady(5000), timeoutSeconds: timings.readyTimeoutSeconds, pollSeconds: timings.pollSeconds, signal: o.signal });
  const client = clientAt(machine.endpoint!);
  const channel = o.token ? new MachineChannel(client, o.heartbeatMs, o.heartbeat) : undefined;
  channel?.start();
  o.journal.now(() => Object.assign(rec, { state: 'ready', endpoint: machine.endpoint, readyAt: rec.readyAt ?? new Date().toISOString(), endedAt: undefined }));
  if (channel && (o.models.length || o.nodes?.length)) {
    o.emit({ type: 'machine', name: rec.name, provider: rec.provider, gpu: rec.gpu, state: 'placing-models', id: rec.id });
    // A heartbeat left beating would keep this process alive and the machine's watchdog from ever firing.
    await waitForModels(channel, o.models, { machineId: rec.id!, timeoutSeconds: timings.modelsTimeoutSeconds, pollMs: timings.pollSeconds * 1000, signal: o.signal, nodes: o.nodes }).catch(async (err: unknown) => {
      await channel.stop();
      throw err;
    });
  }
  return { machine, client, channel };
}
