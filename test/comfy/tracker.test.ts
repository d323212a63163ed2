/**
 * The tracker on its own: a prompt that finishes before anyone watches it is not missed, a completion waits for
 * `executing null` (history written) instead of racing execution_success, and outcomes map from history.
 */
import { ComfySocket } from '../../src/comfy/socket';
import { PromptTracker, outcomeOf } from '../../src/comfy/tracker';
import type { HistoryEntry } from '../../src/comfy/types';
import { clientFor, sd15Prompt, simWithModel, until } from './helpers';

test('a prompt that started and ended before watch() is settled from the events already seen, not by a later poll', async () => {
  const sim = await simWithModel({ msPerStep: 1 });
  const client = clientFor(sim);
  const socket = new ComfySocket(client);
  socket.start();
  await until(() => socket.connected || undefined, 'socket');
  // polling far away: only the replayed events can settle it in time
  const tracker = new PromptTracker(client, socket, { pollMs: 60_000, safetyPollMs: 60_000, wsSilenceMs: 60_000 });
  const { promptId } = await client.queuePrompt(sd15Prompt(3, 'early/x'));
  await until(() => client.history(promptId), 'history');
  await new Promise((r) => setTimeout(r, 50)); // every event has arrived
  const started = Date.now();
  const outcome = await tracker.watch(promptId);
  expect(outcome.kind).toBe('success');
  expect(Date.now() - started).toBeLessThan(5000);
  tracker.close();
  await socket.close();
  await sim.close();
});

test('with history written late (50 ms after execution_success), the outcome still carries the entry', async () => {
  const sim = await simWithModel({ msPerStep: 1, historyLagMs: 50 });
  const client = clientFor(sim);
  const socket = new ComfySocket(client);
  socket.start();
  await until(() => socket.connected || undefined, 'socket');
  const tracker = new PromptTracker(client, socket, { pollMs: 60_000, safetyPollMs: 60_000, wsSilenceMs: 60_000 });
  const { promptId } = await client.queuePrompt(sd15Prompt(4, 'late/x'));
  const outcome = await tracker.watch(promptId);
  expect(outcome).toMatchObject({ kind: 'success', entry: { outputs: { '9': { images: [{ subfolder: 'late' }] } } } });
  tracker.close();
  await socket.close();
  await sim.close();
});

test('outcomes from history: success, error with node and exception, interrupt', () => {
  const ok = { prompt: [], outputs: {}, status: { status_str: 'success', completed: true, messages: [] } } as HistoryEntry;
  expect(outcomeOf(ok)).toMatchObject({ kind: 'success', cachedNodes: [], renderMs: undefined });
  // The entry's own stamps and cache list, as the real server writes them (captures: real.empty_save.history.json).
  const stamped = { prompt: [], outputs: {}, status: { status_str: 'success', completed: true, messages: [['execution_start', { timestamp: 1796239487976 }], ['execution_cached', { nodes: ['4', '5'] }], ['execution_success', { timestamp: 1796239488002 }]] } } as HistoryEntry;
  expect(outcomeOf(stamped)).toMatchObject({ kind: 'success', cachedNodes: ['4', '5'], renderMs: 26 });
  const err = { prompt: [], outputs: {}, status: { status_str: 'error', completed: false, messages: [['execution_error', { node_id: '3', node_type: 'KSampler', exception_type: 'torch.OutOfMemoryError', exception_message: 'CUDA out of memory.\nTIPS: ...\n' }]] } } as HistoryEntry;
  expect(outcomeOf(err)).toMatchObject({ kind: 'error', reason: 'node 3 (KSampler) failed: torch.OutOfMemoryError: CUDA out of memory.' });
  const stop = { prompt: [], outputs: {}, status: { status_str: 'error', completed: false, messages: [['execution_interrupted', { node_id: '3', node_type: 'KSampler' }]] } } as HistoryEntry;
  expect(outcomeOf(stop)).toMatchObject({ kind: 'interrupted', reason: 'interrupted at node 3 (KSampler)' });
});

test('outputs from the websocket match the history entry; without a socket, finished prompts settle from one /history read', async () => {
  const sim = await simWithModel({ msPerStep: 1 });
  const client = clientFor(sim);
  const socket = new ComfySocket(client);
  socket.start();
  await until(() => socket.connected || undefined, 'socket');
  const live = new PromptTracker(client, socket, { pollMs: 60_000, safetyPollMs: 60_000, wsSilenceMs: 60_000 });
  const { promptId } = await client.queuePrompt(sd15Prompt(7, 'ws/x'));
  const fromSocket = await live.watch(promptId);
  const entry = await client.history(promptId);
  expect(fromSocket).toMatchObject({ kind: 'success', entry: { outputs: entry!.outputs } });
  live.close();
  await socket.close();

  // No websocket at all: three prompts that already ended are settled by the tracker's poll.
  const blind = new ComfySocket(client);
  const tracker = new PromptTracker(client, blind, { pollMs: 50, safetyPollMs: 50, wsSilenceMs: 50 });
  const ids = [];
  for (const seed of [8, 9, 10]) ids.push((await client.queuePrompt(sd15Prompt(seed, 'poll/x'))).promptId);
  await until(async () => (await client.queue()).pending.length + (await client.queue()).running.length === 0 || undefined, 'queue drained');
  const outcomes = await Promise.all(ids.map((id) => tracker.watch(id)));
  expect(outcomes.map((o) => o.kind)).toEqual(['success', 'success', 'success']);
  for (const [i, o] of outcomes.entries()) expect(o).toMatchObject({ entry: { outputs: (await client.history(ids[i]))!.outputs } });
  tracker.close();
  await sim.close();
});
