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

/** Absolute destination of `subfolder/name` inside `root`, every part legal on every OS; throws if it would land anywhere else. */
export function resolveInside(root: string, subfolder: string, name: string): string {
  const base = path.resolve(root);
  const parts = checkSubfolder(subfolder).split('/').filter(Boolean).map((p) => portableName(p));
  const target = path.resolve(base, ...parts, portableName(checkFileName(name)));
  if (!target.startsWith(base + path.sep)) throw unsafe('path', path.join(subfolder, name));
  return target;
}

const RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)$/i;
/** Windows allows 255 UTF-16 units per name; staying well below leaves room for the folder in MAX_PATH. */
export const MAX_NAME_CHARS = 120;

/**
 * One path segment made legal on Windows, macOS and Linux: `<>:"|?*` and control characters become `_`, trailing
 * dots and spaces go, reserved device names (CON, PRN, AUX, NUL, COM1…, LPT1…, with any extension) get a `_`
 * prefix, and long names are cut (keeping the extension). A server on Linux can make names that Windows refuses,
 * e.g. from a `%date:hh:mm%` prefix.
 */
export function portableName(segment: string): string {
  let s = segment.replace(/[<>:"|?*\u0000-\u001f]/g, '_').replace(/[. ]+$/, '');
  if (s === '') s = '_';
  const dot = s.indexOf('.');
  if (RESERVED.test(dot < 0 ? s : s.slice(0, dot))) s = `_${s}`;
  if (s.length > MAX_NAME_CHARS) {
    const ext = path.extname(s).slice(0, 16);
    s = s.slice(0, MAX_NAME_CHARS - ext.length).replace(/[. ]+$/, '') + ext;
  }
  return s;
}

function unsafe(what: string, value: string): BadInputError {
  return new BadInputError(`refusing unsafe ${what} ${JSON.stringify(value)} from the server: it could write outside the output folder`, { provider: 'comfyui' });
}
