/**
 * Pulls one output file from `/view` to disk, streamed (never buffered whole): into a temporary file next to the
 * destination, size-checked against Content-Length, then renamed into place, so a half-written file never looks
 * finished and a rerun can trust what it finds.
 *
 * File operations are synchronous on purpose: each is a page-cache copy or a metadata update of microseconds,
 * while the async versions pay a thread-pool round trip per call that costs more CPU than the copy itself
 * (bench/comfy-scale: ~1.5 ms vs ~0.1 ms per small file). A download that is cancelled (signal) ends with the
 * stream's abort error and leaves no part file.
 */
import fs from 'fs';
import path from 'path';
import { GpuburstError, TransientError } from '../../providers/errors';
import { sleep } from '../../providers/poll';
import { backoffMs } from '../../providers/retry';
import type { ComfyClient } from './client';
import { checkFileName, checkSubfolder } from './safe-path';
import type { OutputFile } from './types';

export interface DownloadOptions {
  /** Attempts for transient failures (reset, short body, 5xx). @default 3 */
  attempts?: number;
  retryDelayMs?: number;
  signal?: AbortSignal;
}

/** Writes `file` to `dest` (already checked to be inside the output folder) and returns its size in bytes. */
export async function downloadToFile(client: ComfyClient, file: OutputFile, dest: string, opts: DownloadOptions = {}): Promise<number> {
  // The server's names go back into the query string only after the same checks as local paths.
  checkFileName(file.filename, 'output filename');
  checkSubfolder(file.subfolder);
  const attempts = opts.attempts ?? 3;
  for (let attempt = 1; ; attempt++) {
    try {
      ensureDir(path.dirname(dest), attempt > 1);
      return await downloadOnce(client, file, dest, opts.signal);
    } catch (err) {
      const retryable = err instanceof GpuburstError ? err.retryable : !isDiskError(err);
      if (!retryable || attempt >= attempts || opts.signal?.aborted) throw err;
      await sleep(backoffMs(attempt, opts.retryDelayMs ?? 250, 5000), opts.signal);
    }
  }
}

async function downloadOnce(client: ComfyClient, file: OutputFile, dest: string, signal?: AbortSignal): Promise<number> {
  const tmp = `${dest}.${process.pid}-${++partSeq}.part`;
  let fd: number | undefined;
  try {
    const { body, bytes: expected } = await client.view(file, { retry: false, signal });
    try {
      fd = fs.openSync(tmp, 'wx');
    } catch (err) {
      body.cancel();
      throw err;
    }
    const target = fd;
    // Each chunk is written as the socket delivers it (synchronously: a page-cache copy, so no backpressure is
    // needed); a failed write cancels the request and rejects with the disk's own error.
    const written = await body.pipe((chunk) => {
      for (let off = 0; off < chunk.length; ) off += fs.writeSync(target, chunk, off);
    });
    fs.closeSync(fd);
    fd = undefined;
    if (expected !== undefined ? written !== expected : written === 0) {
      throw new TransientError(`download of ${file.filename} was cut short: ${written} of ${expected ?? 'unknown'} bytes`, { provider: 'comfyui', machineId: client.machineId });
    }
    fs.renameSync(tmp, dest);
    return written;
  } catch (err) {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    if (err instanceof GpuburstError || isDiskError(err)) throw err;
    throw new TransientError(`download of ${file.filename} failed: ${(err as Error).message}`, { provider: 'comfyui', machineId: client.machineId, cause: err });
  }
}

/** This computer's disk said no (full, read-only, not a folder): trying again at once will not help. */
const DISK_CODES = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM', 'ENOTDIR', 'EISDIR']);
function isDiskError(err: unknown): boolean {
  return DISK_CODES.has(String((err as NodeJS.ErrnoException)?.code)) && typeof (err as NodeJS.ErrnoException).syscall === 'string';
}

let partSeq = 0;
const madeDirs = new Set<string>();

/** mkdir -p, once per folder and process; a retry forces it (the folder may have been removed meanwhile). */
function ensureDir(dir: string, force: boolean): void {
  if (madeDirs.has(dir) && !force) return;
  fs.mkdirSync(dir, { recursive: true });
  madeDirs.add(dir);
}
