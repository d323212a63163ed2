/**
 * Reads a text file a user named (batch file, workflow, node definitions, catalog): a regular file, and at most
 * `maxBytes` of it. `/dev/zero` as a workflow path was read until 4 GB of memory were gone; a named pipe blocked
 * for good. The error's message is what the caller shows in brackets ("cannot read it (…)"); read errors keep their code.
 */
import fs from 'fs';

export function readUserText(file: string, maxBytes: number): string {
  const st = fs.statSync(file);
  if (!st.isFile() && !st.isDirectory()) throw new Error('not a regular file: a device, pipe or socket');
  if (st.isFile() && st.size > maxBytes) throw new Error(`${mib(st.size)}; at most ${mib(maxBytes)} is read`);
  return fs.readFileSync(file, 'utf8'); // a folder fails here with EISDIR, as before
}

/** "1.5 MiB", "64 MiB". */
export function mib(n: number): string {
  return `${(n / 1024 / 1024).toFixed(1).replace(/\.0$/, '')} MiB`;
}
