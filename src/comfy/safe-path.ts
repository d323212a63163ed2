/**
 * Names that come from a server (history outputs) decide where we write on the user's disk, so they are checked
 * before use: nothing is ever written outside the output folder.
 */
import path from 'path';
import { BadInputError } from '../../providers/errors';

/** A plain file name: no separators, no `..`, not absolute, no NUL, not empty. */
export function checkFileName(name: string, what = 'file name'): string {
  if (typeof name !== 'string' || name === '' || name === '.' || name === '..') throw unsafe(what, name);
  if (/[/\\\0]/.test(name) || name.includes('..') || /^[A-Za-z]:/.test(name)) throw unsafe(what, name);
  return name;
}

/**
 * A relative folder below the output folder. Forward slashes nest; backslashes (a Windows server's subfolders) are
 * read as separators too; `..` segments, absolute paths and drive letters are refused. Returns the POSIX form.
 */
export function checkSubfolder(subfolder: string | undefined): string {
  if (subfolder === undefined || subfolder === null || subfolder === '') return '';
  if (typeof subfolder !== 'string' || subfolder.includes('\0')) throw unsafe('subfolder', String(subfolder));
  const normal = subfolder.replace(/\\/g, '/');
  if (normal.startsWith('/') || /^[A-Za-z]:/.test(normal)) throw unsafe('subfolder', subfolder);
  const parts = normal.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..')) throw unsafe('subfolder', subfolder);
  return parts.join('/');
}

/** Absolute destination of `subfolder/name` inside `root`; throws if it would land anywhere else. */
export function resolveInside(root: string, subfolder: string, name: string): string {
  const base = path.resolve(root);
  const target = path.resolve(base, ...checkSubfolder(subfolder).split('/').filter(Boolean), checkFileName(name));
  if (!target.startsWith(base + path.sep)) throw unsafe('path', path.join(subfolder, name));
  return target;
}

function unsafe(what: string, value: string): BadInputError {
  return new BadInputError(`refusing unsafe ${what} ${JSON.stringify(value)} from the server: it could write outside the output folder`, { provider: 'comfyui' });
}
