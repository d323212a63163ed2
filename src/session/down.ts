/**
 * `down <id>`: end every machine of a session, each confirmed by its provider. A session another process is running
 * is asked to stop (./lock `requestStop`) and given time to end its own machines — it knows what is in flight —
 * then whatever is still open is ended here. A damaged journal is handled with the machines its text still names.
 */
import { BadInputError } from '../../providers/errors';
import { isOpen, Journal, readSession, type DamagedSession, type MachineRecord, type SessionJournal } from './journal';
import { MachineLifecycle } from './lifecycle';
import { takeOverSession } from './lock';
import { inOtherWorld, notFound } from './manage';
import { ProviderPool } from './pool';
import { findSession, type SessionLocation } from './state-dir';
import { teardown, type TeardownOutcome } from './teardown';
import { sessionTimings } from './timings';

export interface DownOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  id: string;
  /** End machines even when finished outputs are still on them. */
  force: boolean;
  /** How long a running owner gets to end its own machines before they are ended here. */
  ownerWaitSeconds?: number;
  /** Ctrl-C: stop waiting for the owner and end the machines now. */
  signal?: AbortSignal;
  log?: (line: string) => void;
}

export interface DownOutcome extends TeardownOutcome {
  /** Billed time as the journal recorded it (create to confirmed end), not time since the command started. */
  billedSeconds?: number;
}

export async function downSession(o: DownOptions): Promise<DownOutcome[]> {
  const loc = findSession(o.cwd, o.env, o.id);
  if (!loc) throw notFound(o.id);
  const before = readSession(loc).journal?.machines.map((m) => ({ ...m }));
  // Money first: if the owner did not let go in time, its machines are ended anyway (ending twice is harmless).
  const lock = await takeOverSession(loc.stateDir, o.id, { waitMs: (o.ownerWaitSeconds ?? 120) * 1000, by: `gpuburst down (process ${process.pid})`, signal: o.signal, log: o.log });
  try {
    const now = readSession(loc);
    const outcomes = now.journal ? await downJournal(o, loc, now.journal) : await downDamaged(o, loc, now.damaged!);
    return [...endedByOwner(before, now.journal), ...outcomes];
  } finally {
    lock?.release();
  }
}

async function downJournal(o: DownOptions, loc: SessionLocation, data: SessionJournal): Promise<DownOutcome[]> {
  const kept = data.prompts.filter((p) => p.pullFailed).length;
  if (kept && !o.force) throw new BadInputError(`session ${o.id}: ${kept} finished prompt(s) still have their outputs only on the machine; gpuburst resume ${o.id} pulls them, gpuburst down ${o.id} --force ends it anyway`);
  const journal = Journal.open(loc.file);
  journal.claim();
  if (inOtherWorld(data, o.env)) return letGoSimulated(journal);
  const request = journal.data.request;
  const pool = new ProviderPool(o.env, request.comfyUrls);
  const lifecycle = new MachineLifecycle({ journal, stateDir: loc.stateDir, pool, request, timings: sessionTimings({ env: o.env, simulated: request.simulated }) });
  const outcomes = await lifecycle.teardown('terminate', () => 0);
  const open = journal.data.machines.some(isOpen);
  journal.now((d) => Object.assign(d, { status: open ? d.status : d.prompts.every((p) => p.state === 'done') ? 'done' : 'stopped', message: open ? 'down: some machines are not confirmed ended' : 'ended with gpuburst down' }));
  return outcomes.map((x) => ({ ...x, billedSeconds: billed(journal.data.machines.find((m) => m.name === x.name)) }));
}

/**
 * A simulated session outside a simulated world: no provider is asked (./manage `inOtherWorld`). Nothing real was
 * rented, so the journal lets its machines go and the session no longer shows as open.
 */
function letGoSimulated(journal: Journal): DownOutcome[] {
  const open = journal.data.machines.filter(isOpen);
  const note = 'a simulated machine: nothing real was rented; let go without asking any provider (its simulators are not running in this shell)';
  const at = new Date().toISOString();
  journal.now((d) => {
    for (const m of open) Object.assign(m, { state: 'terminated', endedAt: m.endedAt ?? at, note });
    Object.assign(d, { status: d.prompts.every((p) => p.state === 'done') ? 'done' : 'stopped', message: 'ended with gpuburst down (simulated)' });
  });
  return open.map((m) => ({ name: m.name, provider: m.provider, id: m.id, result: 'released', message: note }));
}

/** The machines a damaged journal names, rebuilt into a journal written over it (the damaged text kept as .damaged). */
async function downDamaged(o: DownOptions, loc: SessionLocation, d: DamagedSession): Promise<DownOutcome[]> {
  if (d.unpulled && !o.force) throw new BadInputError(`session ${o.id}: its journal is damaged (${d.reason}) and mentions outputs still only on a machine; gpuburst down ${o.id} --force ends its machines anyway`);
  const at = new Date().toISOString();
  const machines: MachineRecord[] = d.machines.map((m) => ({
    provider: m.provider,
    name: m.name,
    id: m.id,
    state: m.ended ? 'terminated' : m.id ? 'created' : 'intended',
    offerId: '',
    gpu: 'unknown',
    gpuCount: 1,
    usdPerHour: 0,
    region: '',
    intendedAt: at,
    watchdog: { armed: false, via: 'unknown (damaged journal)' },
  }));
  const data = { version: 2, rebuilt: true, id: o.id, createdAt: at, updatedAt: at, status: 'failed', owner: { pid: process.pid, host: '' }, outDir: '', machines, prompts: [], message: `rebuilt by gpuburst down from a damaged journal (${d.reason})` };
  const journal = Journal.recovered(loc.file, data as unknown as SessionJournal);
  const timings = sessionTimings({ env: o.env, simulated: false });
  return teardown({ journal, pool: new ProviderPool(o.env), policy: 'terminate', unpulled: () => 0, pollMs: timings.pollSeconds * 1000, confirmSeconds: timings.confirmSeconds });
}

/** Machines open before the stop request that the owner ended itself. */
function endedByOwner(before: MachineRecord[] | undefined, after: SessionJournal | undefined): DownOutcome[] {
  return (before ?? [])
    .filter(isOpen)
    .map((m) => after?.machines.find((x) => x.name === m.name))
    .filter((m): m is MachineRecord => m?.state === 'terminated')
    .map((m) => ({ name: m.name, provider: m.provider, id: m.id, result: 'terminated', message: 'ended by the process that ran the session', billedSeconds: billed(m) }));
}

function billed(m: MachineRecord | undefined): number | undefined {
  if (!m?.createdAt || !m.endedAt) return undefined;
  return Math.max(0, Math.round((Date.parse(m.endedAt) - Date.parse(m.createdAt)) / 1000));
}

