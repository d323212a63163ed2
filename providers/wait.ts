/**
 * The readiness loop every adapter shares: poll the provider until it runs the machine and reports an endpoint,
 * then poll the caller's probe until ComfyUI answers. A machine that fails, stops or vanishes ends the wait at once.
 * The timeout error carries the machine id so the caller can still tear it down.
 */
import { GpuburstError, ProviderError, TransientError } from './errors';
import { PollOptions, pollUntil } from './poll';
import type { Machine, WaitUntilReadyOptions } from './types';

export async function waitUntilReady(getMachine: () => Promise<Machine>, opts: WaitUntilReadyOptions, clock: Pick<PollOptions, 'now' | 'sleep'> = {}): Promise<Machine> {
  let last: Machine | undefined;
  const look = async (): Promise<Machine | undefined> => {
    let machine: Machine;
    try {
      machine = await getMachine();
    } catch (err) {
      // A transient read failure is not a verdict on the machine; keep polling until the deadline.
      if (!(err instanceof GpuburstError) || !err.retryable) throw err;
      return undefined;
    }
    last = machine;
    opts.onStatus?.(machine);
    if (machine.status === 'failed' || machine.status === 'terminated' || machine.status === 'stopped') {
      throw new ProviderError(`${machine.provider} machine ${machine.id} is ${machine.providerStatus}${machine.message ? `: ${machine.message}` : ''}; it never became ready`, {
        provider: machine.provider,
        machineId: machine.id,
      });
    }
    const up = machine.endpoint && (machine.status === 'running' || machine.status === 'ready') && (await safeProbe(opts.probe, machine.endpoint));
    return up ? { ...machine, status: 'ready' } : undefined;
  };
  const ready = await pollUntil(look, { timeoutMs: opts.timeoutSeconds * 1000, intervalMs: (opts.pollSeconds ?? 5) * 1000, signal: opts.signal, ...clock });
  if (ready) return ready;
  const what = last ? `${last.provider} machine ${last.id} (${last.providerStatus})` : `machine ${opts.id}`;
  throw new TransientError(`${what} was not ready after ${opts.timeoutSeconds} s`, { provider: last?.provider, machineId: opts.id });
}

async function safeProbe(probe: (endpoint: string) => Promise<boolean>, endpoint: string): Promise<boolean> {
  try {
    return await probe(endpoint);
  } catch (err) {
    // The machine said it cannot come up (a failed first-boot phase): waiting longer only costs money.
    if (err instanceof GpuburstError && err.code === 'ERR_PROVIDER') throw err;
    return false;
  }
}
