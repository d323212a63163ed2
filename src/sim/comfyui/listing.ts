/**
 * Folder listings kept until a folder (or file) they came from changes, as ComfyUI keeps its model lists
 * (folder_paths.cached_filename_list_: the walk records each folder's mtime; a later call stats them and walks again
 * only when one differs). Without it every POST /prompt walked every model folder: 0.3–0.4 ms of the simulator's
 * 1.6 ms of CPU per prompt in bench/comfy-scale.
 *
 * One difference, on purpose: Linux stamps a folder with a clock that moves in steps of a few milliseconds, so a file
 * added in the same step as the walk would leave the mtime as recorded. ComfyUI takes that chance; tests here add a
 * model and queue a prompt within a millisecond. A listing whose newest path changed less than RACY_MS before the
 * walk began is not kept (git calls such an index entry "racily clean").
 */
import fs from 'fs';

const RACY_MS = 50;
/** Simulators come and go in a test process, each with its own folders. */
const MAX_ENTRIES = 256;

interface Entry<T> {
  value: T;
  /** Every path the listing read, with its mtime then (undefined: it did not exist). */
  stamps: Map<string, number | undefined>;
}

const entries = new Map<string, Entry<unknown>>();

function mtimeOf(p: string): number | undefined {
  try {
    // A missing path (custom_nodes/ usually is) answers undefined without the cost of building an error.
    return fs.statSync(p, { throwIfNoEntry: false })?.mtimeMs;
  } catch {
    return undefined;
  }
}

/**
 * `read(visit)` lists; it calls `visit(p)` before reading each folder (and for a root that may be missing) or file
 * whose content it uses, and gets back the mtime recorded (undefined: missing). Kept under `key` while every visited
 * path has the mtime it had. `verify` false: a kept listing is returned without looking at its paths (for a caller
 * that will not use it: a stat costs ~15 µs on the test VM).
 */
export function cachedListing<T>(key: string, read: (visit: (p: string) => number | undefined) => T, verify = true): T {
  const hit = entries.get(key) as Entry<T> | undefined;
  if (hit && (!verify || [...hit.stamps].every(([p, m]) => mtimeOf(p) === m))) return hit.value;
  const startedAt = Date.now();
  const stamps = new Map<string, number | undefined>();
  const value = read((p) => {
    const mtime = mtimeOf(p);
    stamps.set(p, mtime);
    return mtime;
  });
  const newest = Math.max(0, ...[...stamps.values()].map((m) => m ?? 0));
  entries.delete(key);
  if (newest < startedAt - RACY_MS) entries.set(key, { value, stamps });
  if (entries.size > MAX_ENTRIES) entries.delete(entries.keys().next().value as string);
  return value;
}
