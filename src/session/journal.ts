/**
 * The session journal, `.gpuburst/sessions/<id>.json`, written atomically (temporary file, fsync, rename).
 * Money first: a machine's intent is written — and flushed — before its create request is sent, and its id as soon
 * as it is known. Prompt progress is coalesced (at most one write per `throttleMs`), because a 10,000-prompt batch
 * must not rewrite the file 40,000 times; a crash loses at most that much progress, which `resume` re-derives.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import type { ProviderName } from '../../providers/types';

export type MachineState = 'intended' | 'created' | 'ready' | 'stopped' | 'terminated' | 'not-created';
export type PromptState = 'pending' | 'queued' | 'running' | 'done' | 'failed';
export type SessionStatus = 'planning' | 'provisioning' | 'rendering' | 'tearing-down' | 'done' | 'failed' | 'interrupted' | 'stopped';

export interface MachineRecord {
  provider: ProviderName;
  name: string;
  offerId: string;
  gpu: string;
  gpuCount: number;
  usdPerHour: number;
  region: string;
  state: MachineState;
  id?: string;
  endpoint?: string;
  intendedAt: string;
  createdAt?: string;
  readyAt?: string;
  endedAt?: string;
  /** How the machine can end itself if this process dies. */
  watchdog: { armed: boolean; via: string; heartbeatMinutes?: number };
  note?: string;
}

export interface PulledFile {
  /** Relative to the session's output folder. */
  path: string;
  bytes: number;
}

export interface PromptRecord {
  id: string;
  workflow: string;
  state: PromptState;
  machine?: string;
  comfyPromptId?: string;
  files?: PulledFile[];
  error?: string;
  startedAt?: string;
  endedAt?: string;
  /** Render time measured on the machine, seconds. */
  seconds?: number;
  /** It rendered, but its outputs could not be pulled: the machine must not be terminated. */
  pullFailed?: boolean;
  /** With `pullFailed`: its files on the machine, to pull by name once ComfyUI (restarted) no longer has its history. */
  remote?: { nodeId: string; filename: string; subfolder: string; type: string }[];
}

export interface SessionJournal {
  version: 1;
  id: string;
  createdAt: string;
  updatedAt: string;
  status: SessionStatus;
  /** Process that runs the session, so status/sweep can tell a live session from a crashed one. */
  owner: { pid: number; host: string };
  batchFile: string;
  outDir: string;
  options: Record<string, unknown>;
  budgetUsd?: number;
  estimate?: { costUsd: number; totalSeconds: number; secondsPerImage: number; gpu: string; provider: string };
  machines: MachineRecord[];
  prompts: PromptRecord[];
  report?: Record<string, unknown>;
  message?: string;
}

export function sessionsDir(stateDir: string): string {
  return path.join(stateDir, 'sessions');
}

export class Journal {
  private timer: NodeJS.Timeout | undefined;
  private dirty = false;

  private constructor(readonly file: string, public data: SessionJournal, private readonly throttleMs: number) {}

  static create(stateDir: string, init: Omit<SessionJournal, 'version' | 'createdAt' | 'updatedAt' | 'owner'>, throttleMs = 500): Journal {
    const now = new Date().toISOString();
    const data: SessionJournal = { version: 1, createdAt: now, updatedAt: now, owner: { pid: process.pid, host: os.hostname() }, ...init };
    const j = new Journal(path.join(sessionsDir(stateDir), `${init.id}.json`), data, throttleMs);
    j.writeNow();
    return j;
  }

  static load(stateDir: string, id: string, throttleMs = 500): Journal | undefined {
    const file = path.join(sessionsDir(stateDir), `${id}.json`);
    if (!fs.existsSync(file)) return undefined;
    const data = JSON.parse(fs.readFileSync(file, 'utf8')) as SessionJournal;
    if (data.version !== 1) throw new Error(`${file}: unknown journal version ${String(data.version)}`);
    return new Journal(file, data, throttleMs);
  }

  static list(stateDir: string): SessionJournal[] {
    const dir = sessionsDir(stateDir);
    if (!fs.existsSync(dir)) return [];
    return fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .flatMap((f) => {
        try {
          return [JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as SessionJournal];
        } catch {
          return []; // a half-written temporary never ends in .json; anything else unreadable is skipped
        }
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
    const tmp = `${this.file}.${process.pid}.tmp`;
    const fd = fs.openSync(tmp, 'w', 0o600);
    try {
      fs.writeSync(fd, JSON.stringify(this.data, null, 1));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, this.file);
  }
}

/** A session whose owner process is alive on this host (or on another host, which we cannot check). */
export function isLive(j: SessionJournal): boolean {
  if (['done', 'failed', 'interrupted', 'stopped'].includes(j.status)) return false;
  if (j.owner.host !== os.hostname()) return true;
  try {
    process.kill(j.owner.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
