/**
 * Where sessions are found. Each session's journal lives in the `.gpuburst/` of the folder it was started in (its
 * outputs and machine-token secret are there too); the per-user state dir holds one pointer file per session,
 * `sessions/<id>.path`, naming that journal, so `status`, `resume` and `down` find a session from any folder.
 * Per-user dir: GPUBURST_STATE_DIR, else $XDG_STATE_HOME/gpuburst, else ~/.local/state/gpuburst (Windows:
 * %LOCALAPPDATA%\gpuburst). An environment naming none of these (tests with a bare env) has no registry.
 */
import fs from 'fs';
import path from 'path';
import { writeWhole } from '../write-whole';

const JOURNAL_SUFFIX = '.json';
const POINTER_SUFFIX = '.path';

/** The state folder below a working directory, as before the registry existed. */
function folderStateDir(cwd: string): string {
  return path.join(cwd, '.gpuburst');
}

export function userStateDir(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): string | undefined {
  const set = (v: string | undefined) => (v && v.trim() ? v.trim() : undefined);
  if (set(env.GPUBURST_STATE_DIR)) return path.resolve(set(env.GPUBURST_STATE_DIR)!);
  if (platform === 'win32' && set(env.LOCALAPPDATA)) return path.join(set(env.LOCALAPPDATA)!, 'gpuburst');
  if (set(env.XDG_STATE_HOME)) return path.join(set(env.XDG_STATE_HOME)!, 'gpuburst');
  const home = set(env.HOME) ?? set(env.USERPROFILE);
  return home ? path.join(home, '.local', 'state', 'gpuburst') : undefined;
}

/** Records where session `id`'s journal is. Best effort: a read-only home must not stop a run that already journals. */
export function registerSession(env: NodeJS.ProcessEnv, id: string, journalFile: string): string | undefined {
  const dir = userStateDir(env);
  if (!dir) return undefined;
  const file = path.join(dir, 'sessions', `${id}${POINTER_SUFFIX}`);
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    writeWhole(file, path.resolve(journalFile) + '\n', { mode: 0o600 }); // `status` or `down` elsewhere never read half a path
    return file;
  } catch {
    return undefined;
  }
}

/** One journal file of a session, with the state folder it belongs to (its secret and lock live there). */
export interface SessionLocation {
  id: string;
  file: string;
  stateDir: string;
}

function locate(file: string): SessionLocation {
  return { id: path.basename(file, JOURNAL_SUFFIX), file, stateDir: path.dirname(path.dirname(file)) };
}

function journalsIn(stateDir: string): SessionLocation[] {
  const dir = path.join(stateDir, 'sessions');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(JOURNAL_SUFFIX))
    .map((f) => locate(path.join(dir, f)));
}

function registered(env: NodeJS.ProcessEnv): SessionLocation[] {
  const dir = userStateDir(env);
  const sessions = dir && path.join(dir, 'sessions');
  if (!sessions || !fs.existsSync(sessions)) return [];
  // The user state dir may itself be a working folder's .gpuburst (journals next to pointers): both count.
  const own = journalsIn(dir);
  const pointed = fs
    .readdirSync(sessions)
    .filter((f) => f.endsWith(POINTER_SUFFIX))
    .flatMap((f) => {
      const target = fs.readFileSync(path.join(sessions, f), 'utf8').trim();
      // A pointer whose journal was deleted (folder removed) names nothing any more.
      return target.endsWith(JOURNAL_SUFFIX) && fs.existsSync(target) ? [locate(target)] : [];
    });
  return [...own, ...pointed];
}

/** Every session this user can reach: the current folder's first, then the registered ones, each once. */
export function allSessions(cwd: string, env: NodeJS.ProcessEnv): SessionLocation[] {
  const seen = new Set<string>();
  return [...journalsIn(folderStateDir(cwd)), ...registered(env)]
    .filter((s) => {
      const key = realpath(s.file);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => a.id.localeCompare(b.id));
}

export function findSession(cwd: string, env: NodeJS.ProcessEnv, id: string): SessionLocation | undefined {
  return allSessions(cwd, env).find((s) => s.id === id);
}

function realpath(file: string): string {
  try {
    return fs.realpathSync(file);
  } catch {
    return path.resolve(file);
  }
}
