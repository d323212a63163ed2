/**
 * What every fault case must leave behind, measured on the simulators' state, the journal and the disk: no machine
 * billing, no machine twice, no machine the journal does not know, every finished prompt's files on disk (and,
 * where the promise is "everything pulled", every image a machine made), and the billed seconds nobody needed.
 */
import crypto from 'crypto';
import fs from 'fs';
import path from 'path';
import type { SessionJournal } from '../../../src/session/journal';
import type { World } from '../../../src/sim/world';
import { sessionMachines } from './world';

export interface Snapshot {
  atMs: number;
  /** Billed seconds per `provider:id` at that moment. */
  billed: Map<string, number>;
}

export function snapshot(world: World, sessionId: string | undefined, atMs = Date.now()): Snapshot {
  const billed = new Map<string, number>();
  if (sessionId) for (const m of sessionMachines(world, sessionId)) billed.set(`${m.provider}:${m.id}`, m.billedSeconds);
  return { atMs, billed };
}

export interface Findings {
  machines: number;
  /** Machines still running or billing (compute or storage). */
  left: string[];
  /** Extra machines carrying a name already used (a create that happened twice). */
  duplicates: number;
  /** Machines of the session whose id the journal does not hold (it cannot end or account for them). */
  untracked: string[];
  promptsTotal: number;
  promptsDone: number;
  /** Prompts the journal marks failed, with their reason. */
  failed: string[];
  /** Files of prompts the journal marks done that are not on disk (or have another size). */
  missingDone: string[];
  /** Images a machine made that are not on local disk (checked where everything is promised pulled). */
  unpulled: string[] | undefined;
  billedAfterSeconds: number;
  /** Billed seconds after the reference moment beyond rendering (and booting machines made after it). */
  unintendedSeconds: number;
}

export function loadJournal(stateDir: string, id: string): SessionJournal {
  return JSON.parse(fs.readFileSync(path.join(stateDir, 'sessions', `${id}.json`), 'utf8')) as SessionJournal;
}

/**
 * `since`: the kill (or, for cases without one, the start: then "unintended" is what was billed beyond boot and
 * render). `allPulled`: every image a machine made must be on local disk (SIGINT/SIGTERM, resume, API faults).
 */
export function inspect(o: { world: World; stateDir: string; sessionId: string; since: Snapshot; allPulled: boolean }): Findings {
  const j = loadJournal(o.stateDir, o.sessionId);
  const machines = sessionMachines(o.world, o.sessionId);
  const names = new Map<string, number>();
  for (const m of machines) names.set(m.name, (names.get(m.name) ?? 0) + 1);
  const duplicates = [...names.values()].reduce((n, c) => n + c - 1, 0);
  const untracked = machines.filter((m) => !j.machines.some((r) => r.id === m.id)).map((m) => `${m.provider}:${m.name}`);
  const left = machines.filter((m) => m.running || m.billing).map((m) => `${m.provider}:${m.name} (${m.status})`);

  const missingDone: string[] = [];
  for (const p of j.prompts.filter((x) => x.state === 'done')) {
    if (!p.files?.length) missingDone.push(`${p.id}: done without files`);
    for (const f of p.files ?? []) {
      const st = fs.statSync(path.join(j.outDir, f.path), { throwIfNoEntry: false });
      if (!st || st.size !== f.bytes) missingDone.push(`${p.id}: ${f.path}`);
    }
  }

  let unpulled: string[] | undefined;
  if (o.allPulled) {
    const local = new Set(files(j.outDir).map(sha256));
    unpulled = machines.flatMap((m) => files(path.join(o.world.machineDisk(m.id), 'output')).filter((f) => !local.has(sha256(f))).map((f) => `${m.provider}:${m.id}:${path.basename(f)}`));
  }

  let billedAfterSeconds = 0;
  let unintendedSeconds = 0;
  for (const m of machines) {
    const after = m.billedSeconds - (o.since.billed.get(`${m.provider}:${m.id}`) ?? 0);
    const rec = j.machines.find((r) => r.id === m.id);
    let useful = 0;
    if (rec) {
      const spans = j.prompts
        .filter((p) => p.machine === rec.name && p.state === 'done' && p.startedAt && p.endedAt)
        .map((p) => [Math.max(Date.parse(p.startedAt!), o.since.atMs), Date.parse(p.endedAt!)] as [number, number])
        .filter(([a, b]) => b > a);
      useful += unionSeconds(spans);
      if (rec.createdAt && rec.readyAt && Date.parse(rec.createdAt) >= o.since.atMs && spans.length) useful += (Date.parse(rec.readyAt) - Date.parse(rec.createdAt)) / 1000;
    }
    billedAfterSeconds += after;
    unintendedSeconds += Math.max(0, after - useful);
  }
  return {
    machines: machines.length,
    left,
    duplicates,
    untracked,
    promptsTotal: j.prompts.length,
    promptsDone: j.prompts.filter((p) => p.state === 'done').length,
    failed: j.prompts.filter((p) => p.state === 'failed').map((p) => `${p.id}: ${p.error ?? '?'}`),
    missingDone,
    unpulled,
    billedAfterSeconds,
    unintendedSeconds: Math.round(unintendedSeconds * 10) / 10,
  };
}

function unionSeconds(spans: [number, number][]): number {
  let total = 0;
  let end = -Infinity;
  for (const [a, b] of [...spans].sort((x, y) => x[0] - y[0])) {
    if (b <= end) continue;
    total += b - Math.max(a, end);
    end = b;
  }
  return total / 1000;
}

function files(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[]).map((f) => path.join(dir, f)).filter((f) => f.endsWith('.png') && fs.statSync(f).isFile());
}

function sha256(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/**
 * The promises as jest expectations (each fault case calls this after its recovery). `tracked`: the journal must
 * hold every machine's id — not after a SIGKILL left to the watchdog, when nobody was there to write it.
 */
export function expectPromisesKept(f: Findings, tracked = true): void {
  expect(f.left).toEqual([]);
  expect(f.duplicates).toBe(0);
  if (tracked) expect(f.untracked).toEqual([]);
  expect(f.missingDone).toEqual([]);
  if (f.unpulled) expect(f.unpulled).toEqual([]);
}
