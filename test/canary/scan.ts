/**
 * Looking for key canaries: every simulator key carries CANARY_MARKER (src/sim/common/test-keys.ts), so finding the
 * marker anywhere a user or a log could see it means a key leaked. Reports never repeat the key itself.
 */
import fs from 'fs';
import path from 'path';
import util from 'util';
import { CANARY_MARKER } from '../../src/sim/common/test-keys';

const MARKER_BYTES = Buffer.from(CANARY_MARKER);
/** Output files of tests can be large (padded PNGs); bigger files than this are not read. */
const MAX_FILE_BYTES = 64 * 1024 * 1024;

/** A short excerpt around the first canary in `text`, with the key's random part masked; undefined when clean. */
export function findCanary(text: string | Buffer | Uint8Array): string | undefined {
  const s = typeof text === 'string' ? text : Buffer.from(text).toString('utf8');
  const at = s.indexOf(CANARY_MARKER);
  if (at < 0) return undefined;
  return mask(s.slice(Math.max(0, at - 60), at + CANARY_MARKER.length + 60));
}

function mask(s: string): string {
  return s.split(CANARY_MARKER).map((part, i) => (i === 0 ? part : part.replace(/^[0-9A-Za-z]*/, '…'))).join(`${CANARY_MARKER}`).replace(/\s+/g, ' ');
}

/**
 * Everything an error carries, as text: message, stack, every own property (enumerable or not, e.g. `report`,
 * `errors`, `config`, `headers`) and the whole `cause` chain, as a log line or `--json` could show it.
 */
export function serializeError(err: unknown): string {
  const seen = new Set<unknown>();
  const parts: string[] = [];
  const walk = (e: unknown, depth: number) => {
    if (e === null || e === undefined || seen.has(e) || depth > 8) return;
    seen.add(e);
    if (typeof e !== 'object') return void parts.push(String(e));
    if (e instanceof Error) parts.push(e.name, e.message, e.stack ?? '');
    for (const key of Reflect.ownKeys(e)) {
      const value = (e as Record<PropertyKey, unknown>)[key as string];
      if (value instanceof Error) walk(value, depth + 1);
      else parts.push(`${String(key)}=${safeJson(value)}`);
    }
    walk((e as { cause?: unknown }).cause, depth + 1);
  };
  walk(err, 0);
  parts.push(util.inspect(err, { depth: 8, showHidden: true }));
  return parts.join('\n');
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return util.inspect(value, { depth: 6 });
  }
}

/** Files already read, by path, with the size and mtime they had then: unchanged files are not read again. */
export type Seen = Map<string, string>;

/** Canaries in files under `root` that changed since they were last seen; one line per leaking file. */
export function scanTree(root: string, seen: Seen): string[] {
  const leaks: string[] = [];
  const walk = (p: string) => {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(p);
    } catch {
      return; // removed meanwhile
    }
    if (st.isDirectory()) {
      let names: string[] = [];
      try {
        names = fs.readdirSync(p);
      } catch {
        return; // unreadable folders are a test case of their own
      }
      for (const n of names) walk(path.join(p, n));
      return;
    }
    if (!st.isFile() || st.size > MAX_FILE_BYTES) return;
    const stamp = `${st.size}:${st.mtimeMs}`;
    if (seen.get(p) === stamp) return;
    seen.set(p, stamp);
    let data: Buffer;
    try {
      data = fs.readFileSync(p);
    } catch {
      return;
    }
    if (data.indexOf(MARKER_BYTES) >= 0) leaks.push(`${p}: ${findCanary(data)}`);
  };
  walk(root);
  return leaks;
}
