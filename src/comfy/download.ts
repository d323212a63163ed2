/**
 * Pulls one output file from `/view` to disk, streamed (never buffered whole): into a temporary file next to the
 * destination, size-checked against Content-Length, then renamed into place, so a half-written file never looks
 * finished and a rerun can trust what it finds.
 *
 * File operations are synchronous on purpose: each is a page-cache copy or a metadata update of microseconds,
 * while the async versions pay a thread-pool round trip per call that costs more CPU than the copy itself
 * (bench/comfy-scale: ~1.5 ms vs ~0.1 ms per small file).
 */
import fs from 'fs';
import path from 'path';
import { Writable } from 'stream';
import { pipeline } from 'stream/promises';
import { GpuburstError, TransientError } from '../../providers/errors';
import { defaultSleep } from '../../providers/http';
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
      const retryable = err instanceof GpuburstError ? err.retryable : true;
      if (!retryable || attempt >= attempts || opts.signal?.aborted) throw err;
      await defaultSleep((opts.retryDelayMs ?? 250) * attempt, opts.signal);
    }
  }
}

async function downloadOnce(client: ComfyClient, file: OutputFile, dest: string, signal?: AbortSignal): Promise<number> {
  const tmp = `${dest}.${process.pid}-${++partSeq}.part`;
  const sink = new FileSink(tmp);
  try {
    const { stream, bytes: expected } = await client.view(file, { retry: false, signal });
    await pipeline(stream, sink, { signal });
    if (expected !== undefined ? sink.bytes !== expected : sink.bytes === 0) {
      throw new TransientError(`download of ${file.filename} was cut short: ${sink.bytes} of ${expected ?? 'unknown'} bytes`, { provider: 'comfyui', machineId: client.machineId });
    }
    fs.renameSync(tmp, dest);
    return sink.bytes;
  } catch (err) {
    sink.destroy();
    fs.rmSync(tmp, { force: true });
    if (err instanceof GpuburstError) throw err;
    throw new TransientError(`download of ${file.filename} failed: ${(err as Error).message}`, { provider: 'comfyui', machineId: client.machineId, cause: err });
  }
}

let partSeq = 0;
const madeDirs = new Set<string>();

/** mkdir -p, once per folder and process; a retry forces it (the folder may have been removed meanwhile). */
function ensureDir(dir: string, force: boolean): void {
  if (madeDirs.has(dir) && !force) return;
  fs.mkdirSync(dir, { recursive: true });
  madeDirs.add(dir);
}

/** A file opened exclusively (`wx`) that counts what it writes; closed on finish or destroy. */
class FileSink extends Writable {
  bytes = 0;
  private fd?: number;

  constructor(private readonly file: string) {
    super({ highWaterMark: 1024 * 1024 });
  }

  override _construct(callback: (err?: Error | null) => void): void {
    try {
      this.fd = fs.openSync(this.file, 'wx');
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, callback: (err?: Error | null) => void): void {
    this.writeAll([chunk], callback);
  }

  override _writev(chunks: { chunk: Buffer }[], callback: (err?: Error | null) => void): void {
    this.writeAll(
      chunks.map((c) => c.chunk),
      callback,
    );
  }

  override _final(callback: (err?: Error | null) => void): void {
    this.closeFd(callback);
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.closeFd(() => callback(err));
  }

  private writeAll(chunks: Buffer[], callback: (err?: Error | null) => void): void {
    try {
      for (const c of chunks) {
        for (let off = 0; off < c.length; ) off += fs.writeSync(this.fd as number, c, off);
        this.bytes += c.length;
      }
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  private closeFd(callback: (err?: Error | null) => void): void {
    const fd = this.fd;
    this.fd = undefined;
    try {
      if (fd !== undefined) fs.closeSync(fd);
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }
}
