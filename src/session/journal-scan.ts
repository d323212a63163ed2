/**
 * What can still be learnt from a journal that cannot be read (truncated by a full disk, edited by hand, written by
 * another gpuburst): the machines it names. A machine that bills must never drop out of `status`, `down` or
 * `sweep` because the file around its id is broken, so the raw text is scanned for machine records, no JSON needed.
 */
import type { ProviderName } from '../../providers/types';
import { MACHINE_NAME_PREFIX } from '../../providers/types';

export interface ScannedMachine {
  provider: ProviderName;
  name: string;
  id?: string;
  /** The record said so; the provider is still asked before anything is trusted. */
  ended: boolean;
}

export interface DamagedSession {
  id: string;
  file: string;
  /** Why it could not be read, one line. */
  reason: string;
  machines: ScannedMachine[];
  /** The text mentions outputs that were never pulled: ending its machines needs --force. */
  unpulled: boolean;
}

const PROVIDER_KEY = /"provider"\s*:\s*"(runpod|vast|lambda|paperspace|local)"/g;
const str = (key: string) => new RegExp(`"${key}"\\s*:\\s*"([^"\\\\]{1,200})"`);

/** Machine records in `text`: each starts at its "provider" key and ends before the next one (or the prompts). */
export function scanMachines(text: string): ScannedMachine[] {
  const promptsAt = text.search(/"prompts"\s*:/);
  const starts = [...text.matchAll(PROVIDER_KEY)].map((m) => ({ at: m.index!, provider: m[1] as ProviderName }));
  const found: ScannedMachine[] = [];
  starts.forEach((s, i) => {
    const ends = [starts[i + 1]?.at, promptsAt > s.at ? promptsAt : undefined, text.length].filter((n): n is number => n !== undefined);
    const chunk = text.slice(s.at, Math.min(...ends));
    // The request and the estimate also name a provider; only a record with a machine name is a machine.
    const name = chunk.match(str('name'))?.[1];
    if (!name?.startsWith(MACHINE_NAME_PREFIX)) return;
    const id = chunk.match(str('id'))?.[1];
    const state = chunk.match(str('state'))?.[1];
    found.push({ provider: s.provider, name, id, ended: state === 'terminated' || state === 'not-created' });
  });
  return found;
}

export function damagedSession(id: string, file: string, text: string, err: unknown): DamagedSession {
  const reason = err instanceof SyntaxError ? 'not complete JSON (truncated or edited)' : ((err as Error).message ?? String(err)).replace(`${file}: `, '');
  return { id, file, reason, machines: scanMachines(text), unpulled: /"pullFailed"\s*:\s*true/.test(text) };
}
