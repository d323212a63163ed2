/** The readiness loop all adapters share, on an injected clock. */
import { ProviderError, TransientError } from '../../providers/errors';
import type { Machine, MachineStatus } from '../../providers/types';
import { waitUntilReady } from '../../providers/wait';

function clock() {
  let t = 0;
  return { now: () => t, sleep: async (ms: number) => void (t += ms) };
}

const machine = (status: MachineStatus, endpoint?: string): Machine => ({ id: 'm1', name: 'gpuburst-s-a', provider: 'runpod', status, providerStatus: status.toUpperCase(), endpoint }) as Machine;

test('polls until the provider reports an endpoint and the probe answers, then says ready', async () => {
  const states = [machine('pending'), machine('running'), machine('running', 'https://m1'), machine('running', 'https://m1')];
  let probes = 0;
  const seen: string[] = [];
  const m = await waitUntilReady(async () => states.shift() ?? machine('running', 'https://m1'), { id: 'm1', timeoutSeconds: 60, probe: async () => ++probes >= 2, onStatus: (x) => seen.push(x.status) }, clock());
  expect(m.status).toBe('ready');
  expect(probes).toBe(2);
  expect(seen).toEqual(['pending', 'running', 'running', 'running']);
});

test('a transient read error keeps polling; a machine that fails ends the wait at once with its id', async () => {
  let n = 0;
  const get = async () => {
    if (++n === 1) throw new TransientError('502');
    return machine('failed');
  };
  const err = await waitUntilReady(get, { id: 'm1', timeoutSeconds: 60, probe: async () => true }, clock()).catch((e) => e);
  expect(err).toBeInstanceOf(ProviderError);
  expect(err.machineId).toBe('m1');
  expect(n).toBe(2);
});

test('never ready: a TransientError after the timeout that still names the machine (so it is torn down)', async () => {
  let looks = 0;
  const err = await waitUntilReady(async () => (looks++, machine('running', 'https://m1')), { id: 'm1', timeoutSeconds: 30, pollSeconds: 5, probe: async () => Promise.reject(new Error('refused')) }, clock()).catch((e) => e);
  expect(err).toBeInstanceOf(TransientError);
  expect(err.message).toBe('runpod machine m1 (RUNNING) was not ready after 30 s');
  expect(err.machineId).toBe('m1');
  expect(looks).toBe(7); // at 0, 5, …, 30 s
});

test('a probe that reports the machine cannot come up (a failed first-boot phase) ends the wait at once', async () => {
  let looks = 0;
  const failed = new ProviderError('machine setup failed while installing Docker (phase docker)', { provider: 'comfyui', machineId: 'm1' });
  const err = await waitUntilReady(async () => (looks++, machine('running', 'https://m1')), { id: 'm1', timeoutSeconds: 600, pollSeconds: 5, probe: async () => Promise.reject(failed) }, clock()).catch((e) => e);
  expect(err).toBe(failed);
  expect(looks).toBe(1);
});
