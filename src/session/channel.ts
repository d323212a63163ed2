/**
 * The client's side of the channel with the machine agent, through ComfyUI itself (no extra port): the heartbeat
 * goes up as `input/gpuburst/heartbeat.json` (/upload/image accepts any file), the agent's `status.json` comes back
 * through /view. A heartbeat carries a sequence number; the agent times silence on its own clock.
 */
import { AuthError, BadInputError, TransientError } from '../../providers/errors';
import { redact } from '../../providers/redact';
import { pollUntil } from '../../providers/poll';
import type { ComfyClient } from '../comfy/client';
import type { AgentModel } from './agent/config';

export interface HeartbeatPayload {
  spentUsd?: number;
  budgetUsd?: number;
  /** The client has everything it wanted; the agent may end the machine once ComfyUI idles. */
  batchDone?: boolean;
  /**
   * Prompts are ending: live at least this many minutes from this beat (the agent never goes past its ceiling). A
   * slower GPU than the estimate's is not ended mid-batch by a cap fixed at create.
   */
  lifetimeLeftMinutes?: number;
}

export interface AgentStatus {
  startedAt: number;
  models: Record<string, { state: 'downloading' | 'done' | 'failed'; bytes: number; error?: string; code?: string; file?: string }>;
  /** Custom node packs (nodes.py); nodesReady once all are in and ComfyUI was restarted. */
  nodes?: Record<string, { state: 'installing' | 'done' | 'failed'; error?: string }>;
  nodesReady?: boolean;
  terminating: string | null;
  terminated: boolean;
  lastBeatAgeSeconds: number | null;
}

export class MachineChannel {
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;

  constructor(private readonly client: ComfyClient, private readonly intervalMs: number, private readonly payload: () => HeartbeatPayload) {}

  start(): void {
    if (this.timer) return;
    void this.beat();
    this.timer = setInterval(() => void this.beat(), this.intervalMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.beating;
  }

  /** A beat built from the payload as it is now: one already in flight may carry an older payload. */
  async freshBeat(): Promise<void> {
    await this.beating;
    return this.beat();
  }

  /** One heartbeat now. Failures are swallowed: a missed beat is what the agent's window is for. */
  beat(extra: HeartbeatPayload = {}): Promise<void> {
    if (this.beating) return this.beating;
    const body = Buffer.from(JSON.stringify({ seq: ++this.seq, at: Date.now(), ...this.payload(), ...extra }));
    this.beating = this.client
      .upload({ data: body, name: 'heartbeat.json', subfolder: 'gpuburst', type: 'input', overwrite: true })
      .then(() => undefined, () => undefined)
      .finally(() => (this.beating = undefined));
    return this.beating;
  }

  async status(): Promise<AgentStatus | undefined> {
    try {
      const { body } = await this.client.view({ filename: 'status.json', subfolder: 'gpuburst', type: 'input' }, { retry: false, timeoutMs: 10_000 });
      const chunks: Buffer[] = [];
      await body.pipe((c) => chunks.push(Buffer.from(c))); // a copy: the chunk is the socket's read buffer
      return JSON.parse(Buffer.concat(chunks).toString('utf8')) as AgentStatus;
    } catch {
      return undefined;
    }
  }
}

/**
 * Waits until the agent has placed every model; a failed download fails the session before any prompt runs.
 * `timeoutSeconds` is a window without progress (more bytes on disk, a model or node pack finished), not a total:
 * a 40 GB video model on a slow host takes as long as it takes, a download that stopped ends the wait.
 */
export async function waitForModels(channel: MachineChannel, models: AgentModel[], opts: { machineId: string; timeoutSeconds: number; pollMs?: number; signal?: AbortSignal; onProgress?: (bytes: number) => void; nodes?: string[] }): Promise<void> {
  const packs = opts.nodes ?? [];
  if (models.length === 0 && packs.length === 0) return;
  let mark = '';
  let progressAt = Date.now();
  let bytes = 0;
  const placed = await pollUntil(
    async (): Promise<true | 'stalled' | undefined> => {
      const st = await channel.status();
      // The agent installs node packs first and downloads nothing after a failed one (nodes.py).
      const badPack = packs.find((n) => st?.nodes?.[n]?.state === 'failed');
      if (badPack) throw new BadInputError(`custom node pack ${st!.nodes![badPack].error ?? `${badPack}: install failed`}`, { machineId: opts.machineId });
      const entries = models.map((m) => st?.models[`${m.folder}/${m.name}`]);
      bytes = entries.reduce((sum, e) => sum + (e?.bytes ?? 0), 0);
      const now = `${bytes}|${entries.filter((e) => e?.state === 'done').length}|${packs.filter((n) => st?.nodes?.[n]?.state === 'done').length}|${Boolean(st?.nodesReady)}`;
      if (now !== mark) [mark, progressAt] = [now, Date.now()];
      else if (Date.now() - progressAt >= opts.timeoutSeconds * 1000) return 'stalled';
      if (packs.length && !st?.nodesReady) return undefined;
      const failed = models.find((_, i) => entries[i]?.state === 'failed');
      if (failed) {
        const { error = 'download failed', code } = st!.models[`${failed.folder}/${failed.name}`];
        // The agent's auth message names the model and the token to set (downloads.py auth_message).
        if (code === 'auth') throw new AuthError(redact(error), { machineId: opts.machineId });
        throw new BadInputError(`model ${failed.folder}/${failed.name} could not be placed on the machine: ${error} (url ${failed.url})`, { machineId: opts.machineId });
      }
      opts.onProgress?.(bytes);
      return entries.every((e) => e?.state === 'done') || undefined;
    },
    { timeoutMs: Infinity, intervalMs: opts.pollMs ?? 2000, signal: opts.signal },
  );
  if (placed === true) return;
  const why = placed === 'stalled' ? `no download progress for ${opts.timeoutSeconds} s` : 'interrupted';
  throw new TransientError(`models were not placed on machine ${opts.machineId}: ${why} (${bytes} bytes so far)`, { machineId: opts.machineId });
}
