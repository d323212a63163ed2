/**
 * The tracker when our prompts carry a client id no socket has (the runner's default): ComfyUI sends their step
 * events nowhere, only the queue's `status` broadcasts reach us, and a drop of `queue_remaining` is what settles a
 * prompt (one `/history` read). Pings keep such a quiet socket from being taken for a dead one. Polling is set far
 * away in every test, so only the quiet path can settle anything in time.
 */
import type { ComfyClient } from '../../src/comfy/client';
import { ComfySocket } from '../../src/comfy/socket';
import { PromptTracker } from '../../src/comfy/tracker';
import type { WsMessage } from '../../src/comfy/types';
import { clientFor, sd15Prompt, simWithModel, until } from './helpers';

const FAR = { pollMs: 60_000, safetyPollMs: 60_000, unreachableMs: 120_000 };
const ELSEWHERE = 'no-socket-has-this-client-id';

async function quietSetup(opts: { msPerStep?: number; wsSilenceMs?: number; pingMs?: number; before?: (client: ComfyClient) => Promise<void> } = {}) {
  const sim = await simWithModel({ msPerStep: opts.msPerStep ?? 1 });
  const client = clientFor(sim);
  await opts.before?.(client);
  const socket = new ComfySocket(client, { pingMs: opts.pingMs });
  const frames: WsMessage[] = [];
  socket.on('message', (m: WsMessage) => frames.push(m));
  socket.start();
  await until(() => socket.connected || undefined, 'socket');
  const logged: string[] = [];
  const tracker = new PromptTracker(client, socket, { ...FAR, wsSilenceMs: opts.wsSilenceMs ?? 60_000, quiet: true, log: (l) => logged.push(l) });
  const close = async () => {
    tracker.close();
    await socket.close();
    await sim.close();
  };
  return { sim, client, socket, tracker, frames, logged, close };
}

test('prompts settle from the status broadcasts and one history read each; no per-prompt frame reaches us', async () => {
  const t = await quietSetup();
  const queued = await Promise.all([1, 2, 3].map((seed) => t.client.queuePrompt(sd15Prompt(seed, `quiet/${seed}`), { clientId: ELSEWHERE })));
  const outcomes = await Promise.all(queued.map((q) => t.tracker.watch(q.promptId)));
  for (const [i, o] of outcomes.entries()) {
    const entry = await t.client.history(queued[i].promptId);
    expect(o).toMatchObject({ kind: 'success', entry: { outputs: entry!.outputs } });
    // The render time comes from the server's own stamps in the history entry.
    expect(o.kind === 'success' && typeof o.renderMs === 'number' && o.renderMs >= 0).toBe(true);
  }
  expect(t.frames.filter((m) => m.data.prompt_id !== undefined)).toEqual([]);
  expect(t.frames.some((m) => m.type === 'status')).toBe(true);
  await t.close();
});

test('each end is read by its prompt id, the oldest of ours in flight: no read of the newest entries', async () => {
  // 4 steps × 50 ms: each prompt ends 200 ms after the one before, so every drop of the queue is one prompt.
  const t = await quietSetup({ msPerStep: 50 });
  const byId = jest.spyOn(t.client, 'history');
  const newest = jest.spyOn(t.client, 'histories');
  const queued = await Promise.all([41, 42, 43].map((seed) => t.client.queuePrompt(sd15Prompt(seed, `quiet/byid-${seed}`), { clientId: ELSEWHERE })));
  const outcomes = await Promise.all(queued.map((q) => t.tracker.watch(q.promptId)));
  expect(outcomes.map((o) => o.kind)).toEqual(['success', 'success', 'success']);
  expect(byId.mock.calls.map((c) => c[0])).toEqual(queued.map((q) => q.promptId));
  expect(newest).not.toHaveBeenCalled();
  await t.close();
});

test("another client's prompt ending first is not taken for ours: the newest entries are read, ours settles at its own end", async () => {
  const t = await quietSetup({ msPerStep: 50 });
  const theirs = await t.client.queuePrompt(sd15Prompt(51, 'quiet/theirs'), { clientId: 'someone-else' });
  const ours = await t.client.queuePrompt(sd15Prompt(52, 'quiet/ours'), { clientId: ELSEWHERE });
  const newest = jest.spyOn(t.client, 'histories');
  const outcome = t.tracker.watch(ours.promptId);
  await until(() => t.client.history(theirs.promptId), 'their prompt ended');
  expect(await outcome).toMatchObject({ kind: 'success', entry: { outputs: (await t.client.history(ours.promptId))!.outputs } });
  // Their end: our oldest had not ended, so the newest entries were read instead (and theirs left alone).
  expect(newest).toHaveBeenCalledTimes(1);
  await t.close();
});

test('a prompt that ended before watch() is settled from what the sweep already read', async () => {
  const t = await quietSetup();
  const first = await t.client.queuePrompt(sd15Prompt(11, 'quiet/early'), { clientId: ELSEWHERE });
  await until(() => t.client.history(first.promptId), 'history');
  await new Promise((r) => setTimeout(r, 100)); // the status frame and the sweep it causes have come and gone
  const outcome = await t.tracker.watch(first.promptId);
  expect(outcome.kind).toBe('success');
  await t.close();
});

/** A prompt that ended before the tracker could hear it (the runner submits while its socket still connects). */
async function endedUnheard(seed: number) {
  let promptId = '';
  const t = await quietSetup({
    msPerStep: 50,
    before: async (client) => {
      promptId = (await client.queuePrompt(sd15Prompt(seed, `quiet/unheard-${seed}`), { clientId: ELSEWHERE })).promptId;
      await until(() => client.history(promptId), 'the unheard prompt ended');
    },
  });
  return { t, unheard: promptId };
}

/** Settles or fails well before the safety poll (60 s here), which used to be the only way out. */
async function soon<T>(p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('not settled within 3 s')), 3000)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer)); // no timer left running after the test
}

test('a prompt that ended before the tracker listened settles at once when watched on an idle server', async () => {
  const { t, unheard } = await endedUnheard(61);
  expect((await soon(t.tracker.watch(unheard))).kind).toBe('success');
  await t.close();
});

test('a drop taken by a prompt that had ended unheard does not leave the prompt it belonged to waiting', async () => {
  const { t, unheard } = await endedUnheard(62);
  // The next prompt is queued and its queued-status heard first: the server is busy when both are watched.
  const next = await t.client.queuePrompt(sd15Prompt(63, 'quiet/next'), { clientId: ELSEWHERE });
  await until(() => t.frames.find((m) => m.type === 'status' && (m.data.status as { exec_info: { queue_remaining: number } }).exec_info.queue_remaining === 1), 'the queued status');
  const both = Promise.all([t.tracker.watch(unheard), t.tracker.watch(next.promptId)]);
  // Its drop settles the oldest watch (the unheard one, from its history); the queue is then empty with one left.
  expect((await soon(both)).map((o) => o.kind)).toEqual(['success', 'success']);
  await t.close();
});

test('a failing prompt settles as an error from its history, with the node and the exception', async () => {
  const t = await quietSetup();
  t.sim.workerFaults.failNext = { exceptionType: 'torch.OutOfMemoryError', message: 'CUDA out of memory.' };
  const { promptId } = await t.client.queuePrompt(sd15Prompt(21, 'quiet/oom'), { clientId: ELSEWHERE });
  expect(await t.tracker.watch(promptId)).toMatchObject({ kind: 'error', reason: expect.stringContaining('torch.OutOfMemoryError: CUDA out of memory.') });
  await t.close();
});

test('pings keep a quiet socket alive through a long prompt; a server that stops answering them is noticed', async () => {
  // 40 steps × 25 ms: about a second with no frame at all, three times the silence limit.
  const alive = await quietSetup({ msPerStep: 25, wsSilenceMs: 300, pingMs: 80 });
  const long = sd15Prompt(31, 'quiet/long');
  long['3'].inputs.steps = 40;
  const { promptId } = await alive.client.queuePrompt(long, { clientId: ELSEWHERE });
  expect((await alive.tracker.watch(promptId)).kind).toBe('success');
  expect(alive.logged.filter((l) => l.includes('no websocket frame'))).toEqual([]);
  await alive.close();

  // The same prompt against a server whose socket went silent (no pong either): the silence is seen and polled.
  const stalled = await quietSetup({ msPerStep: 25, wsSilenceMs: 300, pingMs: 80 });
  stalled.sim.app!.hub.silent = true;
  const other = sd15Prompt(32, 'quiet/stalled');
  other['3'].inputs.steps = 40;
  const queued = await stalled.client.queuePrompt(other, { clientId: ELSEWHERE });
  const watched = stalled.tracker.watch(queued.promptId);
  await until(() => stalled.logged.find((l) => l.includes('no websocket frame')), 'the silence noticed', 5000);
  await stalled.close();
  void watched;
});
