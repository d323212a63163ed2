/**
 * Files another process (or a later run) reads while this one may be writing them: journals, locks, stop requests,
 * the session registry, the install secret, calibration. Each is written aside (`<file>.<pid>.tmp`) and then moved
 * into place, so a reader finds the old file, the new one or none, never half of one, even if the writer is killed.
 */
import fs from 'fs';

export interface WholeFileOptions {
  /** Permissions of a new file; Node's default (0o666 less the umask) when not given. */
  mode?: number;
  /** The text is on disk before the rename: a journal must survive a power cut, not only a killed process. */
  fsync?: boolean;
}

/** Replaces `file` (or creates it) in one step. */
export function writeWhole(file: string, text: string | Buffer, o: WholeFileOptions = {}): void {
  const tmp = writeAside(file, text, o);
  fs.renameSync(tmp, file);
}

/**
 * Creates `file` in one step unless it exists: false when it does (another process created it first; a hard link,
 * unlike a rename, never replaces a file).
 */
export function createWhole(file: string, text: string | Buffer, o: WholeFileOptions = {}): boolean {
  const tmp = writeAside(file, text, o);
  try {
    fs.linkSync(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return false;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

function writeAside(file: string, text: string | Buffer, o: WholeFileOptions): string {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = o.mode === undefined ? fs.openSync(tmp, 'w') : fs.openSync(tmp, 'w', o.mode);
  try {
    fs.writeFileSync(fd, text); // every byte, however many writes it takes
    if (o.fsync) fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return tmp;
}
