/**
 * Sessions after the fact: `status` (every journaled session, its machines refreshed from the providers, spend so
 * far), `down` (tear a session down), and `sweep` (machines named `gpuburst-…` on any provider with a key that no
 * live session owns). Nothing here forgets a machine the provider still lists.
 */
import { BadInputError, GpuburstError } from '../../providers/errors';
import { hasKey } from '../../providers/index';
import { CLOUD_PROVIDERS, CloudProviderName, Machine, MACHINE_NAME_PREFIX } from '../../providers/types';
import { machineCostUsd } from './budget';
import { sessionIdFromName } from './ids';
import { isLive, Journal, MachineRecord, SessionJournal } from './journal';
import { MachineLifecycle } from './lifecycle';
import { ProviderPool } from './pool';
import type { TeardownOutcome } from './teardown';
import { templateFor } from './templates';
import { sessionTimings } from './timings';

interface MachineStatusRow {
  name: string;
  provider: string;
  id?: string;
  journalState: string;
  /** As the provider reports it now; undefined when it could not be asked. */
  providerStatus?: string;
  note?: string;
  spentUsd: number;
}

export interface SessionStatusRow {
  id: string;
  status: string;
  live: boolean;
  createdAt: string;
  prompts: { total: number; done: number; failed: number };
  machines: MachineStatusRow[];
  spentUsd: number;
  message?: string;
}

export async function sessionStatus(stateDir: string, env: NodeJS.ProcessEnv, only?: string): Promise<SessionStatusRow[]> {
  const pool = new ProviderPool(env);
  const journals = Journal.list(stateDir).filter((j) => !only || j.id === only);
  if (only && journals.length === 0) throw new BadInputError(`no session "${only}" in ${stateDir}; gpuburst status lists them`);
  return Promise.all(journals.reverse().map((j) => statusOf(j, pool, env)));
}

async function statusOf(j: SessionJournal, pool: ProviderPool, env: NodeJS.ProcessEnv): Promise<SessionStatusRow> {
  const machines = await Promise.all(
    j.machines.map(async (m): Promise<MachineStatusRow> => {
      const row: MachineStatusRow = { name: m.name, provider: m.provider, id: m.id, journalState: m.state, note: m.note, spentUsd: spent(m, pool) };
      // A server the user runs is not asked (status has no URL for it, and nothing of it bills).
      const cloud = templateFor(m.provider) ? (m.provider as CloudProviderName) : undefined;
      if (!m.id || m.state === 'terminated' || m.state === 'not-created' || !cloud) return row;
      if (!hasKey(cloud, env)) return { ...row, providerStatus: `unknown (no ${m.provider} key set)` };
      try {
        const live = await pool.get(m.provider).getMachine({ id: m.id });
        return { ...row, providerStatus: `${live.status} (${live.providerStatus})` };
      } catch (err) {
        return { ...row, providerStatus: `unknown (${(err as Error).message})` };
      }
    }),
  );
  return {
    id: j.id,
    status: j.status,
    live: isLive(j),
    createdAt: j.createdAt,
    prompts: { total: j.prompts.length, done: j.prompts.filter((p) => p.state === 'done').length, failed: j.prompts.filter((p) => p.state === 'failed').length },
    machines,
    spentUsd: machines.reduce((s, m) => s + m.spentUsd, 0),
    message: j.message,
  };
}

function spent(m: MachineRecord, pool: ProviderPool): number {
  if (!m.createdAt) return 0;
  let billing = { incrementSeconds: 1, minimumSeconds: 0 };
  try {
    billing = pool.get(m.provider).capabilities().billing;
  } catch {
    // no key: per-second is the common rule and close enough for a status line
  }
  const end = m.endedAt ? Date.parse(m.endedAt) : Date.now();
  return machineCostUsd({ name: m.name, usdPerHour: m.usdPerHour, startMs: Date.parse(m.createdAt), endMs: end, ...billing }, end);
}

export interface DownOptions {
  stateDir: string;
  env: NodeJS.ProcessEnv;
  id: string;
  /** End machines even when finished outputs are still on them. */
  force: boolean;
}

export async function downSession(o: DownOptions): Promise<TeardownOutcome[]> {
  const journal = Journal.load(o.stateDir, o.id);
  if (!journal) throw new BadInputError(`no session "${o.id}" in ${o.stateDir}; gpuburst status lists them`);
  const kept = journal.data.prompts.filter((p) => p.pullFailed).length;
  if (kept && !o.force) throw new BadInputError(`session ${o.id}: ${kept} finished prompt(s) still have their outputs only on the machine; gpuburst resume ${o.id} pulls them, gpuburst down ${o.id} --force ends it anyway`);
  journal.claim();
  const request = journal.data.request;
  const pool = new ProviderPool(o.env, request.comfyUrls);
  const lifecycle = new MachineLifecycle({ journal, stateDir: o.stateDir, pool, request, timings: sessionTimings({ env: o.env, simulated: request.simulated }) });
  const outcomes = await lifecycle.teardown('terminate', () => 0);
  const open = journal.data.machines.some((m) => m.state !== 'terminated' && m.state !== 'not-created');
  journal.now((d) => Object.assign(d, { status: open ? d.status : 'done', message: open ? 'down: some machines are not confirmed ended' : 'ended with gpuburst down' }));
  return outcomes;
}

interface SweepRow {
  provider: string;
  id: string;
  name: string;
  status: string;
  session?: string;
  result?: 'terminated' | 'failed';
  message?: string;
}

export interface SweepResult {
  orphans: SweepRow[];
  errors: { provider: string; code: string; message: string }[];
  /** Providers that were checked (those with a key). */
  checked: string[];
}

/** Machines named gpuburst-… that no live session owns; with `apply`, each is terminated (and confirmed). */
export async function sweep(o: { stateDir: string; env: NodeJS.ProcessEnv; apply: boolean }): Promise<SweepResult> {
  const live = new Set(Journal.list(o.stateDir).filter(isLive).map((j) => j.id));
  const pool = new ProviderPool(o.env);
  const checked = CLOUD_PROVIDERS.filter((c) => hasKey(c, o.env));
  const errors: SweepResult['errors'] = [];
  const orphans: SweepRow[] = [];
  await Promise.all(
    checked.map(async (c) => {
      const provider = pool.get(c);
      let mine: Machine[];
      try {
        mine = await provider.listMachines({});
      } catch (err) {
        errors.push({ provider: c, code: (err as GpuburstError).code ?? 'ERR_PROVIDER', message: (err as Error).message });
        return;
      }
      for (const m of mine) {
        if (!m.name.startsWith(MACHINE_NAME_PREFIX) || m.status === 'terminated') continue;
        const session = m.sessionId ?? sessionIdFromName(m.name);
        if (session && live.has(session)) continue;
        const row: SweepRow = { provider: c, id: m.id, name: m.name, status: m.providerStatus, session };
        if (o.apply) {
          try {
            await provider.terminateMachine({ id: m.id });
            row.result = 'terminated';
          } catch (err) {
            row.result = 'failed';
            row.message = (err as Error).message;
          }
        }
        orphans.push(row);
      }
      // What machines left behind besides themselves (Paperspace startup scripts) goes too.
      if (o.apply) await provider.sweepLeftovers({}).catch(() => undefined);
    }),
  );
  // The owning journals learn what the sweep ended, so status and resume do not chase those machines.
  for (const row of orphans.filter((r) => r.result === 'terminated' && r.session)) {
    const j = Journal.load(o.stateDir, row.session!);
    const rec = j?.data.machines.find((m) => m.id === row.id || m.name === row.name);
    if (j && rec) j.now(() => Object.assign(rec, { id: rec.id ?? row.id, state: 'terminated', endedAt: new Date().toISOString(), note: 'terminated by gpuburst sweep' }));
  }
  return { orphans, errors, checked };
}
