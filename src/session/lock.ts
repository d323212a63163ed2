/**
 * One owner per session: `<stateDir>/sessions/<id>.lock` names the process that runs (or resumes) the session.
 * Created atomically (link of a complete file), so of two processes starting at once exactly one gets it; the other is refused with the
 * owner's pid and host and rents nothing. A lock whose process is gone (same host, pid not alive) is stale and
 * taken over; a lock from another host cannot be checked and is never taken.
 * proper-lockfile decides staleness by mtime, which would make a dead owner's session unusable for its stale window
 * and cannot name the owner; the pid check here is exact on one host, which is where journals live.
 */
import { LEAVE_EVENT } from './events';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { BadInputError } from '../../providers/errors';
import { createWhole, writeWhole } from '../write-whole';

export interface LockOwner {
  pid: number;
  host: string;
  since: string;
}

export interface SessionLock {
  readonly file: string;
  release(): void;
}

export function lockFile(stateDir: string, id: string): string {
  return path.join(stateDir, 'sessions', `${id}.lock`);
}

/** The owner named in the lock, if the lock exists and its owner is alive (or on another host). */
export function lockOwner(stateDir: string, id: string): LockOwner | undefined {
  const owner = readOwner(lockFile(stateDir, id));
  return owner && alive(owner) ? owner : undefined;
}

export function acquireLock(stateDir: string, id: string): SessionLock {
  const file = lockFile(stateDir, id);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const me: LockOwner = { pid: process.pid, host: os.hostname(), since: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    if (createWhole(file, JSON.stringify(me), { mode: 0o600 })) return { file, release: () => releaseIfMine(file) };
    const text = readText(file);
    const owner = text === undefined ? undefined : parse(text);
    if (owner && alive(owner)) {
      if (owner.pid === me.pid && owner.host === me.host) throw new BadInputError(`session ${id} is already run by this process`);
      throw new BadInputError(`session ${id} is owned by process ${owner.pid} on ${owner.host} (since ${owner.since}); nothing was rented — wait for it, or gpuburst down ${id} to end it`);
    }
    // Stale (or unreadable): remove it only if it is still the same lock we judged, then race for it again.
    if (text !== undefined && readText(file) === text) fs.rmSync(file, { force: true });
  }
  throw new BadInputError(`session ${id}: its lock ${file} keeps changing; another gpuburst is starting it`);
}

function releaseIfMine(file: string): void {
  const owner = readOwner(file);
  if (owner && owner.pid === process.pid && owner.host === os.hostname()) fs.rmSync(file, { force: true });
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function readOwner(file: string): LockOwner | undefined {
  const text = readText(file);
  return text === undefined ? undefined : parse(text);
}

function parse(text: string): LockOwner | undefined {
  try {
    const o = JSON.parse(text) as Partial<LockOwner>;
    return typeof o.pid === 'number' && typeof o.host === 'string' ? { pid: o.pid, host: o.host, since: String(o.since ?? '') } : undefined;
  } catch {
    return undefined; // a lock cut short while being written: its writer died at once
  }
}

function alive(o: LockOwner): boolean {
  if (o.host !== os.hostname()) return true;
  try {
    process.kill(o.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** What the owner says when asked to stop; `by` names who asked (gpuburst down, a Pulumi destroy). */
export const stopRequested = (by: string) => `${by} asked this session to stop: interrupting what runs, pulling what is done, ending its machines`;

/** `down` asks the process that owns a session to stop: a file it watches (./lock `watchStop`). */
function stopFile(stateDir: string, id: string): string {
  return path.join(stateDir, 'sessions', `${id}.stop`);
}

/** Who asked, or undefined while the request cannot be read (one written by an older gpuburst may be seen half-written). */
function requester(file: string): string | undefined {
  try {
    const by = (JSON.parse(fs.readFileSync(file, 'utf8')) as { by?: unknown }).by;
    return typeof by === 'string' && by ? by : 'another process';
  } catch {
    return undefined;
  }
}

/** Written whole: the owner polls for the file and must never read it half-written. */
export function requestStop(stateDir: string, id: string, by: string): void {
  writeWhole(stopFile(stateDir, id), JSON.stringify({ by, at: new Date().toISOString() }), { mode: 0o600 });
}

/**
 * Owns session `id` for the life of a run or resume: the lock, and an abort signal that fires on the caller's
 * signal or when `down` asks for a stop. `release` ends both (the lock file and any stop request are removed).
 */
export function ownSession(stateDir: string, id: string, o: { signal?: AbortSignal; onStop?: (by: string) => void; pollMs?: number } = {}): { signal: AbortSignal; release: () => void } {
  const lock = acquireLock(stateDir, id);
  fs.rmSync(stopFile(stateDir, id), { force: true }); // a request meant for an earlier owner
  const stop = new AbortController();
  let unreadable = 0; // polls that found a request not yet readable: stop anyway after a few, a request is a request
  const timer = setInterval(() => {
    if (stop.signal.aborted || !fs.existsSync(stopFile(stateDir, id))) return;
    const by = requester(stopFile(stateDir, id));
    if (by === undefined && ++unreadable < 3) return;
    o.onStop?.(by ?? 'another process');
    stop.abort();
  }, o.pollMs ?? 250);
  timer.unref();
  const signal = o.signal ? AbortSignal.any([o.signal, stop.signal]) : stop.signal;
  // A second Ctrl-C is an event on the caller's signal, not an abort: the combined signal must carry it too.
  const forwardLeave = () => signal.dispatchEvent(new Event(LEAVE_EVENT));
  o.signal?.addEventListener(LEAVE_EVENT, forwardLeave);
  return {
    signal,
    release: () => {
      clearInterval(timer);
      o.signal?.removeEventListener(LEAVE_EVENT, forwardLeave);
      fs.rmSync(stopFile(stateDir, id), { force: true });
      lock.release();
    },
  };
}

/**
 * For whoever must end a session's machines (down, the Pulumi destroy step): a live owner is asked to stop (it knows
 * what is in flight: it interrupts, pulls and tears down itself) and given `waitMs` to let go; then the lock is taken.
 * Undefined when the owner did not let go in time: the caller ends the machines anyway (money first).
 */
export async function takeOverSession(stateDir: string, id: string, o: { waitMs: number; by: string; signal?: AbortSignal; log?: (line: string) => void }): Promise<SessionLock | undefined> {
  const owner = lockOwner(stateDir, id);
  if (owner) {
    o.log?.(`session ${id} is run by process ${owner.pid} on ${owner.host}: asking it to stop`);
    requestStop(stateDir, id, o.by);
    const until = Date.now() + o.waitMs;
    while (lockOwner(stateDir, id) && Date.now() < until && !o.signal?.aborted) await new Promise((r) => setTimeout(r, 200));
  }
  try {
    return acquireLock(stateDir, id);
  } catch {
    o.log?.(`session ${id}: its process did not stop in time; ending its machines from here`);
    return undefined;
  }
}
