/**
 * The session journal, `.gpuburst/sessions/<id>.json`, written atomically (temporary file, fsync, rename).
 * Money first: a machine's intent is written — and flushed — before its create request is sent, and its id as soon
 * as it is known. Prompt progress is coalesced (at most one write per `throttleMs`), because a 10,000-prompt batch
 * must not rewrite the file 40,000 times; a crash loses at most that much progress, which `resume` re-derives.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { BadInputError } from '../../providers/errors';
import { writeWhole } from '../write-whole';
import { hasEnded, readJournal, type MachineRecord, type SessionJournal } from './journal-format';
import { damagedSession, type DamagedSession } from './journal-scan';
import type { SessionLocation } from './state-dir';

export type { DamagedSession } from './journal-scan';
export type { MachineRecord, MachineState, PromptRecord, PromptState, SessionJournal, SessionStatus } from './journal-format';
export { hasEnded, isOpen } from './journal-format';

export function sessionsDir(stateDir: string): string {
  return path.join(stateDir, 'sessions');
}

export class Journal {
  private timer: NodeJS.Timeout | undefined;
  private dirty = false;

  private constructor(readonly file: string, public data: SessionJournal, private readonly throttleMs: number) {}

  static create(stateDir: string, init: Omit<SessionJournal, 'version' | 'createdAt' | 'updatedAt' | 'owner'>, throttleMs = 500): Journal {
    const now = new Date().toISOString();
    const data: SessionJournal = { version: 2, createdAt: now, updatedAt: now, owner: { pid: process.pid, host: os.hostname() }, ...init };
    const j = new Journal(path.join(sessionsDir(stateDir), `${init.id}.json`), data, throttleMs);
    j.writeNow();
    return j;
  }

  static load(stateDir: string, id: string, throttleMs = 500): Journal | undefined {
    const file = path.join(sessionsDir(stateDir), `${id}.json`);
    if (!fs.existsSync(file)) return undefined;
    return Journal.open(file, throttleMs);
  }

  /** Throws one BadInputError naming the file when it is not a journal this gpuburst can read. */
  static open(file: string, throttleMs = 500): Journal {
    let raw: unknown;
    try {
      raw = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (err) {
      throw new BadInputError(`${file}: ${err instanceof SyntaxError ? 'not complete JSON (truncated or edited)' : (err as Error).message}`);
    }
    return new Journal(file, readJournal(file, raw), throttleMs);
  }

  /** A journal rebuilt from what a damaged one still names, written over it (the damaged text is kept beside it). */
  static recovered(file: string, data: SessionJournal): Journal {
    if (fs.existsSync(file) && !fs.existsSync(`${file}.damaged`)) fs.copyFileSync(file, `${file}.damaged`);
    const j = new Journal(file, data, 0);
    j.writeNow();
    return j;
  }

  /** The readable journals of a state folder (damaged ones: `readSession`). */
  static list(stateDir: string): SessionJournal[] {
    const dir = sessionsDir(stateDir);
    if (!fs.existsSync(dir)) return [];
    return fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .flatMap((f) => {
        const s = readSession({ id: path.basename(f, '.json'), file: path.join(dir, f), stateDir });
        return s.journal ? [s.journal] : [];
      });
  }

  /** Take ownership (resume, down): this process now runs the session. */
  claim(): void {
    this.data.owner = { pid: process.pid, host: os.hostname() };
    this.writeNow();
  }

  /** A change that concerns money (a machine intent, id, teardown): on disk before this returns. */
  now(change: (d: SessionJournal) => void): void {
    change(this.data);
    this.writeNow();
  }

  /** Progress that may be coalesced. */
  later(change: (d: SessionJournal) => void): void {
    change(this.data);
    this.dirty = true;
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        if (this.dirty) this.writeNow();
      }, this.throttleMs);
    }
  }

  machine(name: string): MachineRecord | undefined {
    return this.data.machines.find((m) => m.name === name);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.writeNow();
  }

  private writeNow(): void {
    this.dirty = false;
    this.data.updatedAt = new Date().toISOString();
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    writeWhole(this.file, JSON.stringify(this.data, null, 1), { mode: 0o600, fsync: true });
  }
}

/** One session's journal as found on disk: readable, or damaged with what its text still names. */
export interface FoundSession {
  location: SessionLocation;
  journal?: SessionJournal;
  damaged?: DamagedSession;
}

export function readSession(location: SessionLocation): FoundSession {
  let text = '';
  try {
    text = fs.readFileSync(location.file, 'utf8');
    return { location, journal: readJournal(location.file, JSON.parse(text)) };
  } catch (err) {
    return { location, damaged: damagedSession(location.id, location.file, text, err) };
  }
}

/** A session whose owner process is alive on this host (or on another host, which we cannot check). */
export function isLive(j: SessionJournal): boolean {
  if (hasEnded(j.status)) return false;
  if (j.owner.host !== os.hostname()) return true;
  try {
    process.kill(j.owner.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
