/**
 * What a finished prompt produced (history `outputs`, reference §1.5) and pulling it into the output folder:
 * several files in parallel, each streamed, each name checked before anything is written.
 */
import path from 'path';
import PQueue from 'p-queue';
import type { ComfyClient } from './client';
import { downloadToFile } from './download';
import { checkFileName, resolveInside } from './safe-path';
import type { HistoryEntry, OutputFile } from './types';

export interface NodeOutputFile extends OutputFile {
  nodeId: string;
}

export interface PulledFile {
  /** Absolute path written. */
  path: string;
  bytes: number;
  nodeId: string;
  /** The server's name, for journals and `/view`. */
  filename: string;
  subfolder: string;
  type: string;
}

/**
 * Every file listed in a history entry (`images`, `gifs`, `audio`, video…): any array of `{filename, type}`.
 * Temporary files (PreviewImage) only with `includeTemp`, or when they are all the prompt made: a workflow that
 * only previews would otherwise render on a rented GPU and bring nothing back.
 */
export function outputFiles(entry: HistoryEntry, opts: { includeTemp?: boolean } = {}): NodeOutputFile[] {
  const all = listedFiles(entry);
  if (opts.includeTemp) return all;
  const saved = all.filter((f) => f.type !== 'temp');
  return saved.length > 0 ? saved : all;
}

function listedFiles(entry: HistoryEntry): NodeOutputFile[] {
  const files: NodeOutputFile[] = [];
  for (const [nodeId, ui] of Object.entries(entry.outputs ?? {})) {
    for (const value of Object.values(ui ?? {})) {
      if (!Array.isArray(value)) continue;
      for (const item of value as Partial<OutputFile>[]) {
        if (!item || typeof item !== 'object' || typeof item.filename !== 'string') continue;
        const type = String(item.type ?? 'output');
        if (type === 'input') continue;
        files.push({ nodeId, filename: item.filename, subfolder: String(item.subfolder ?? ''), type });
      }
    }
  }
  return files;
}

/** Local name: `<id>.png` for a single output, `<id>_<node>_<n>.png` otherwise; the server's subfolder is kept. */
export function defaultLocalName(id: string, file: NodeOutputFile, index: number, count: number): string {
  const ext = path.extname(file.filename) || '.bin';
  return count === 1 ? `${id}${ext}` : `${id}_${file.nodeId}_${index + 1}${ext}`;
}

/** At most `limit` downloads at once (p-queue: a slot passes straight to the next waiter, never over the limit). */
export class Limiter extends PQueue {
  constructor(limit: number) {
    super({ concurrency: limit });
  }
}

export interface PullOptions {
  client: ComfyClient;
  outputDir: string;
  limiter: Limiter;
  localName?: typeof defaultLocalName;
  signal?: AbortSignal;
}

/**
 * Pulls every file of one prompt. Unsafe names fail the whole prompt before any write; a failed download leaves the
 * files already written in place (they are complete: each was renamed only after its size check).
 */
export async function pullOutputs(id: string, files: NodeOutputFile[], opts: PullOptions): Promise<PulledFile[]> {
  const name = opts.localName ?? defaultLocalName;
  for (const f of files) checkFileName(f.filename, 'output filename');
  const targets = files.map((f, i) => ({ file: f, dest: resolveInside(opts.outputDir, f.subfolder, name(id, f, i, files.length)) }));
  return Promise.all(
    targets.map(({ file, dest }) =>
      opts.limiter.add(async () => {
        const bytes = await downloadToFile(opts.client, file, dest, { signal: opts.signal });
        return { path: dest, bytes, nodeId: file.nodeId, filename: file.filename, subfolder: file.subfolder, type: file.type };
      }),
    ),
  );
}
