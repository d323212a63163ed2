/**
 * Ends a session's machines — always, and only as far as is safe: a machine holding finished outputs that could
 * not be pulled is stopped (where the provider can) or left to its watchdog, never terminated. A machine counts
 * as terminated only once the provider confirms it (dstack marks instances deleted on faith; we do not).
 */
import { GpuburstError } from '../../providers/errors';
import { pollUntil } from '../../providers/poll';
import type { Provider } from '../../providers/types';
import type { Emit } from './events';
import { isOpen, type Journal, type MachineRecord } from './journal';
import type { ProviderPool } from './pool';
import { templateFor } from './templates';

type TeardownResult = 'terminated' | 'stopped' | 'left-running' | 'released' | 'not-created' | 'unconfirmed';

export interface TeardownOutcome {
  name: string;
  provider: string;
  id?: string;
  result: TeardownResult;
  message?: string;
}

export interface TeardownOptions {
  journal: Journal;
  pool: ProviderPool;
  policy: 'terminate' | 'stop';
  /** Finished prompts on this machine whose outputs are not on local disk. */
  unpulled: (machineName: string) => number;
  confirmSeconds?: number;
  pollMs?: number;
  emit?: Emit;
}

export async function teardown(o: TeardownOptions): Promise<TeardownOutcome[]> {
  const open = o.journal.data.machines.filter(isOpen);
  const outcomes = await Promise.all(open.map((m) => teardownOne(o, m)));
  o.journal.flush();
  return outcomes;
}

async function teardownOne(o: TeardownOptions, m: MachineRecord): Promise<TeardownOutcome> {
  const out = (result: TeardownResult, message?: string): TeardownOutcome => {
    o.emit?.({ type: 'machine', name: m.name, provider: m.provider, gpu: m.gpu, state: m.state, id: m.id, message });
    return { name: m.name, provider: m.provider, id: m.id, result, message };
  };
  let provider: Provider;
  try {
    provider = o.pool.get(m.provider);
  } catch (err) {
    return out('unconfirmed', `cannot reach ${m.provider}: ${(err as Error).message}`);
  }
  try {
    if (!m.id) {
      // The create may have happened although its answer never came: look for the unique name.
      const found = (await provider.listMachines({ name: m.name })).find((x) => x.name === m.name);
      if (!found) {
        o.journal.now(() => Object.assign(m, { state: 'not-created', note: 'no machine with this name exists' }));
        return out('not-created');
      }
      o.journal.now(() => Object.assign(m, { id: found.id, state: 'created' }));
    }
    if (!templateFor(m.provider)) {
      // A server the user runs: the claim is released, the server is never stopped or ended.
      await provider.terminateMachine({ id: m.id! });
      o.journal.now(() => Object.assign(m, { state: 'terminated', endedAt: now(), note: 'released (your own server keeps running)' }));
      return out('released');
    }
    const caps = provider.capabilities();
    const unpulled = o.unpulled(m.name);
    if (unpulled > 0) {
      if (caps.stop.supported && caps.stop.keepsOutputs !== false) return await stopConfirmed(o, provider, m, out, `${unpulled} finished prompt(s) could not be pulled; stopped to keep them (${caps.stop.billsWhileStopped})`);
      const why = m.watchdog.armed ? `its watchdog ends it after ${m.watchdog.heartbeatMinutes ?? 10} min without a heartbeat` : 'it has no watchdog: end it with gpuburst down';
      o.journal.now(() => (m.note = `left running: ${unpulled} finished prompt(s) not pulled; ${why}`));
      return out('left-running', m.note);
    }
    if (o.policy === 'stop' && caps.stop.supported) return await stopConfirmed(o, provider, m, out, `stopped as asked (${caps.stop.billsWhileStopped})`);
    return await terminateConfirmed(o, provider, m, out);
  } catch (err) {
    const msg = err instanceof GpuburstError ? err.message : String(err);
    o.journal.now(() => (m.note = `teardown failed: ${msg}`));
    return out('unconfirmed', msg);
  }
}

type Out = (result: TeardownResult, message?: string) => TeardownOutcome;

async function terminateConfirmed(o: TeardownOptions, provider: Provider, m: MachineRecord, out: Out): Promise<TeardownOutcome> {
  let lastError = '';
  const confirmed = await pollUntil(
    async () => {
      try {
        await provider.terminateMachine({ id: m.id! });
        return (await provider.getMachine({ id: m.id! })).status === 'terminated' || undefined;
      } catch (err) {
        lastError = (err as Error).message;
        return undefined;
      }
    },
    { timeoutMs: (o.confirmSeconds ?? 120) * 1000, intervalMs: o.pollMs ?? 2000 },
  );
  if (confirmed) {
    o.journal.now(() => Object.assign(m, { state: 'terminated', endedAt: now() }));
    return out('terminated');
  }
  o.journal.now(() => (m.note = `terminate not confirmed${lastError ? `: ${lastError}` : ''}; run gpuburst down ${o.journal.data.id}`));
  return out('unconfirmed', m.note);
}

async function stopConfirmed(o: TeardownOptions, provider: Provider, m: MachineRecord, out: Out, why: string): Promise<TeardownOutcome> {
  await provider.stopMachine({ id: m.id! });
  const status = await pollUntil(
    async () => {
      const s = (await provider.getMachine({ id: m.id! })).status;
      return s === 'stopped' || s === 'terminated' ? s : undefined;
    },
    { timeoutMs: (o.confirmSeconds ?? 120) * 1000, intervalMs: o.pollMs ?? 2000 },
  );
  if (status) {
    o.journal.now(() => Object.assign(m, { state: 'stopped', endedAt: now(), note: `${why}; gpuburst resume ${o.journal.data.id} pulls them, gpuburst down ${o.journal.data.id} ends it` }));
    return out('stopped', m.note);
  }
  o.journal.now(() => (m.note = `stop not confirmed; run gpuburst down ${o.journal.data.id}`));
  return out('unconfirmed', m.note);
}

function now(): string {
  return new Date().toISOString();
}
