/**
 * Sessions after the fact: `status` (every journaled session, its machines refreshed from the providers, spend so
 * far; a damaged journal with the machines its text names) and `sweep` (machines named `gpuburst-…` on any provider with a key that no
 * live session owns). Nothing here forgets a machine the provider still lists.
 */
import path from 'path';
import { BadInputError, GpuburstError } from '../../providers/errors';
import { hasKey } from '../../providers/index';
import { CLOUD_PROVIDERS, CloudProviderName, Machine, MACHINE_NAME_PREFIX, ProviderName } from '../../providers/types';
import { machineCostUsd } from './budget';
import { sessionIdFromName } from './ids';
import { DamagedSession, isLive, Journal, MachineRecord, readSession, SessionJournal, sessionsDir } from './journal';
import { lockOwner } from './lock';
import { ProviderPool } from './pool';
import { allSessions } from './state-dir';
import { templateFor } from './templates';

interface MachineStatusRow {
  name: string;
  provider: string;
  id?: string;
  journalState: string;
  /** As the provider reports it now; undefined when it could not be asked. */
  providerStatus?: string;
  /** Why the provider was not asked. */
  notAsked?: string;
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
  /** The journal file (sessions started in other folders are listed too). */
  journal: string;
  /** Why the journal could not be read; its machines were found in its raw text. */
  damaged?: string;
  /** Run against simulators: nothing was rented, nothing billed. */
  simulated?: boolean;
}

export interface StatusOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** One session id; absent: all. */
  only?: string;
}

/** Every session reachable from here (this folder's and the registered ones), damaged journals included. */
export async function sessionStatus(o: StatusOptions): Promise<SessionStatusRow[]> {
  const pool = new ProviderPool(o.env);
  const found = allSessions(o.cwd, o.env).filter((s) => !o.only || s.id === o.only);
  if (o.only && found.length === 0) throw notFound(o.only);
  return Promise.all(found.reverse().map((loc) => readSession(loc)).map((s) => (s.journal ? statusOf(s.journal, s.location.stateDir, pool, o.env) : damagedStatus(s.damaged!, s.location.stateDir, pool, o.env))));
}

/**
 * A session run against simulators (`--simulate`, `gpuburst sim`) is acted on only in a simulated world
 * (`GPUBURST_SIMULATED=1`): its machine ids mean nothing to the real providers, and a real key must never be used on
 * them (a sim id could even be one of the user's real machines).
 */
export function inOtherWorld(j: Pick<SessionJournal, 'request'>, env: NodeJS.ProcessEnv): boolean {
  return j.request.simulated === true && env.GPUBURST_SIMULATED !== '1';
}

export function notFound(id: string): BadInputError {
  return new BadInputError(`no session "${id}" in this folder or the registered ones; gpuburst status lists them`);
}

async function statusOf(j: SessionJournal, stateDir: string, pool: ProviderPool, env: NodeJS.ProcessEnv): Promise<SessionStatusRow> {
  const elsewhere = inOtherWorld(j, env);
  const machines = await Promise.all(
    j.machines.map(async (m): Promise<MachineStatusRow> => {
      const row: MachineStatusRow = { name: m.name, provider: m.provider, id: m.id, journalState: m.state, note: m.note, spentUsd: spent(m, pool) };
      if (!m.id || m.state === 'terminated' || m.state === 'not-created') return row;
      if (elsewhere) return { ...row, notAsked: 'a simulated machine; its simulators are not running in this shell' };
      return { ...row, providerStatus: await askProvider(m.provider, m.id, pool, env) };
    }),
  );
  return {
    id: j.id,
    status: j.status,
    live: Boolean(lockOwner(stateDir, j.id)) || isLive(j),
    createdAt: j.createdAt,
    prompts: { total: j.prompts.length, done: j.prompts.filter((p) => p.state === 'done').length, failed: j.prompts.filter((p) => p.state === 'failed').length },
    machines,
    spentUsd: machines.reduce((s, m) => s + m.spentUsd, 0),
    message: j.message,
    journal: path.join(sessionsDir(stateDir), `${j.id}.json`),
    simulated: j.request.simulated || undefined,
  };
}

/** What a damaged journal still names: its machines, as the providers see them now. */
async function damagedStatus(d: DamagedSession, stateDir: string, pool: ProviderPool, env: NodeJS.ProcessEnv): Promise<SessionStatusRow> {
  const machines = await Promise.all(
    d.machines.map(async (m): Promise<MachineStatusRow> => {
      const row: MachineStatusRow = { name: m.name, provider: m.provider, id: m.id, journalState: m.ended ? 'terminated' : 'unknown', spentUsd: 0 };
      if (m.ended) return row;
      // The text may be cut before the id: the machine's unique name finds it.
      const id = m.id ?? (await findByName(m.provider, m.name, pool, env));
      return id ? { ...row, id, providerStatus: await askProvider(m.provider, id, pool, env) } : row;
    }),
  );
  return {
    id: d.id,
    status: 'damaged',
    live: Boolean(lockOwner(stateDir, d.id)),
    createdAt: '',
    prompts: { total: 0, done: 0, failed: 0 },
    machines,
    spentUsd: 0,
    message: `journal damaged (${d.reason}); ${machines.length} machine(s) found in it; gpuburst down ${d.id} ends them`,
    journal: d.file,
    damaged: d.reason,
  };
}

async function findByName(provider: string, name: string, pool: ProviderPool, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  if (!templateFor(provider as ProviderName) || !hasKey(provider as CloudProviderName, env)) return undefined;
  const found = await pool.get(provider as ProviderName).listMachines({ name }).catch(() => []);
  return found.find((x) => x.name === name && x.status !== 'terminated')?.id;
}

async function askProvider(provider: string, id: string, pool: ProviderPool, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  // A server the user runs is not asked (status has no URL for it, and nothing of it bills).
  if (!templateFor(provider as ProviderName)) return undefined;
  const cloud = provider as CloudProviderName;
  if (!hasKey(cloud, env)) return `unknown (no ${provider} key set)`;
  try {
    const live = await pool.get(cloud).getMachine({ id });
    return `${live.status} (${live.providerStatus})`;
  } catch (err) {
    return `unknown (${(err as Error).message})`;
  }
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
export async function sweep(o: { cwd: string; env: NodeJS.ProcessEnv; apply: boolean }): Promise<SweepResult> {
  const sessions = allSessions(o.cwd, o.env).map(readSession);
  // Owned by a running process (the lock, or an older gpuburst's journal owner): not an orphan. A damaged journal
  // counts only through its lock, so the machines it names are found here by name.
  const live = new Set(sessions.filter((s) => lockOwner(s.location.stateDir, s.location.id) || (s.journal && isLive(s.journal))).map((s) => s.location.id));
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
    const loc = sessions.find((s) => s.location.id === row.session && s.journal)?.location;
    const j = loc ? openQuietly(loc.file) : undefined;
    const rec = j?.data.machines.find((m) => m.id === row.id || m.name === row.name);
    if (j && rec) j.now(() => Object.assign(rec, { id: rec.id ?? row.id, state: 'terminated', endedAt: new Date().toISOString(), note: 'terminated by gpuburst sweep' }));
  }
  return { orphans, errors, checked };
}

/** A journal damaged since it was listed only misses the note; the machine is ended either way. */
function openQuietly(file: string): Journal | undefined {
  try {
    return Journal.open(file);
  } catch {
    return undefined;
  }
}
