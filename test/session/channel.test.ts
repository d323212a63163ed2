/**
 * Waiting for the models: the window is one without progress, not a total. A download that keeps bringing bytes is
 * waited for however long it takes; one that stops ends the wait, saying how far it got.
 */
import type { AgentModel } from '../../src/session/agent/config';
import type { AgentStatus, MachineChannel } from '../../src/session/channel';
import { waitForModels } from '../../src/session/channel';

const MODEL: AgentModel = { name: 'wan.safetensors', folder: 'diffusion_models', url: 'https://example.org/wan.safetensors' };

/** A machine whose agent reports `bytes()` downloaded, done once `done()` says so. */
function machine(bytes: () => number, done: () => boolean): MachineChannel {
  const status = async (): Promise<AgentStatus> => ({
    startedAt: 0,
    models: { 'diffusion_models/wan.safetensors': { state: done() ? 'done' : 'downloading', bytes: bytes() } },
    terminating: null,
    terminated: false,
    lastBeatAgeSeconds: 0,
  });
  return { status } as unknown as MachineChannel;
}

test('a download that keeps progressing is waited for past the window', async () => {
  const t0 = Date.now();
  const elapsed = () => Date.now() - t0;
  // 1 s window, 2.5 s download, a few bytes more every 100 ms.
  await waitForModels(machine(() => Math.floor(elapsed() / 100), () => elapsed() > 2500), [MODEL], { machineId: 'm-1', timeoutSeconds: 1, pollMs: 50 });
  expect(elapsed()).toBeGreaterThanOrEqual(2500);
});

test('a download that stops bringing bytes ends the wait after the window, naming how far it got', async () => {
  const t0 = Date.now();
  const bytes = () => Math.min(Date.now() - t0, 600) * 1000;
  const waiting = waitForModels(machine(bytes, () => false), [MODEL], { machineId: 'm-2', timeoutSeconds: 1, pollMs: 50 });
  await expect(waiting).rejects.toMatchObject({ code: 'ERR_TRANSIENT', message: 'models were not placed on machine m-2: no download progress for 1 s (600000 bytes so far)' });
  expect(Date.now() - t0).toBeGreaterThanOrEqual(1500);
});

test('an interrupted wait says so, not that it timed out', async () => {
  const abort = new AbortController();
  setTimeout(() => abort.abort(), 100);
  const waiting = waitForModels(machine(() => 5, () => false), [MODEL], { machineId: 'm-3', timeoutSeconds: 60, pollMs: 20, signal: abort.signal });
  await expect(waiting).rejects.toMatchObject({ message: 'models were not placed on machine m-3: interrupted (5 bytes so far)' });
});
