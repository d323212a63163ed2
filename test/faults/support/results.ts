/**
 * Each case's figures, for the table in docs/fault-matrix.md. With GPUBURST_FAULT_RESULTS set (bench/fault-matrix.js
 * sets it), every test file writes its rows there as JSON; the script turns all rows into the table.
 */
import fs from 'fs';
import path from 'path';
import type { Findings } from './check';

export interface CaseRow {
  group: string;
  provider: string;
  case: string;
  /** How it was hit and how it recovered, in a few words. */
  how: string;
  left: number;
  duplicates: number;
  untracked: number;
  missingDone: number;
  unpulled: number | null;
  unintendedSeconds: number;
  promptsDone: number;
  promptsTotal: number;
  machines: number;
  wallSeconds: number;
  passed: boolean;
}

const rows: CaseRow[] = [];

/**
 * `tracked` false: a case where a machine the journal never heard of is expected (SIGKILL while the create is in flight
 * and nobody comes back); it must still end (left = 0), so only the untracked count is not held against the case.
 */
export function row(group: string, provider: string, name: string, how: string, f: Findings, wallSeconds: number, tracked = true): CaseRow {
  const r: CaseRow = {
    group,
    provider,
    case: name,
    how,
    left: f.left.length,
    duplicates: f.duplicates,
    untracked: f.untracked.length,
    missingDone: f.missingDone.length,
    unpulled: f.unpulled ? f.unpulled.length : null,
    unintendedSeconds: f.unintendedSeconds,
    promptsDone: f.promptsDone,
    promptsTotal: f.promptsTotal,
    machines: f.machines,
    wallSeconds: Math.round(wallSeconds * 10) / 10,
    passed: f.left.length === 0 && f.duplicates === 0 && (!tracked || f.untracked.length === 0) && f.missingDone.length === 0 && !f.unpulled?.length,
  };
  rows.push(r);
  return r;
}

/** Call from afterAll: writes this file's rows where the matrix script collects them. */
export function saveRows(part: string): void {
  const dir = process.env.GPUBURST_FAULT_RESULTS;
  if (!dir || rows.length === 0) return;
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${part}.json`), JSON.stringify(rows, null, 1));
}
