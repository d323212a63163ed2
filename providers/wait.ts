/**
 * The readiness loop every adapter shares: poll the provider until it runs the machine and reports an endpoint,
 * then poll the caller's probe until ComfyUI answers. A machine that fails, stops or vanishes ends the wait at once.
 * The timeout error carries the machine id so the caller can still tear it down.
 */
import { GpuburstError, ProviderError, TransientError } from './errors';
import { defaultSleep } from './http';
import type { Machine, WaitUntilReadyOptions } from './types';

export async function waitUntilReady(getMachine: () => Promise<Machine>, opts: WaitUntilReadyOptions): Promise<Machine> {
  const deadline = Date.now() + opts.timeoutSeconds * 1000;
  const pollMs = (opts.pollSeconds ?? 5) * 1000;
  let last: Machine | undefined;
  while (!opts.signal?.aborted) {
    let machine: Machine | undefined;
    try {
      machine = await getMachine();
    } catch (err) {
      // A transient read failure is not a verdict on the machine; keep polling until the deadline.
      if (!(err instanceof GpuburstError) || !err.retryable) throw err;
    }
    if (machine) {
      last = machine;
      opts.onStatus?.(machine);
      if (machine.status === 'failed' || machine.status === 'terminated' || machine.status === 'stopped') {
        throw new ProviderError(`${machine.provider} machine ${machine.id} is ${machine.providerStatus}${machine.message ? `: ${machine.message}` : ''}; it never became ready`, {
          provider: machine.provider,
          machineId: machine.id,
        });
      }
      if (machine.endpoint && (machine.status === 'running' || machine.status === 'ready') && (await safeProbe(opts.probe, machine.endpoint))) {
        return { ...machine, status: 'ready' };
      }
    }
    if (Date.now() >= deadline) break;
    await defaultSleep(Math.min(pollMs, Math.max(0, deadline - Date.now())), opts.signal);
  }
  const what = last ? `${last.provider} machine ${last.id} (${last.providerStatus})` : `machine ${opts.id}`;
  throw new TransientError(`${what} was not ready after ${opts.timeoutSeconds} s`, { provider: last?.provider, machineId: opts.id });
}

async function safeProbe(probe: (endpoint: string) => Promise<boolean>, endpoint: string): Promise<boolean> {
  try {
    return await probe(endpoint);
  } catch {
    return false;
  }
}
