/**
 * Names and secrets of a session. Every machine is named `gpuburst-<sessionId>-<suffix>`, so a sweep can find it on
 * any provider and tell which session owns it. Machine access tokens are derived from a local secret, so the
 * journal never holds one and `resume` can still reach the machine.
 */
import crypto from 'crypto';
import fs from 'fs';
import path from 'path';
import { MACHINE_NAME_PREFIX } from '../../providers/types';
import { registerSecret } from '../../providers/redact';
import { createWhole } from '../write-whole';

/** `20261125-1321-a3f9`: sortable, short enough for every provider's name limit. */
export function newSessionId(now = new Date()): string {
  const iso = now.toISOString();
  return `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 16).replace(':', '')}-${crypto.randomBytes(2).toString('hex')}`;
}

export function isSessionId(x: string): boolean {
  return /^\d{8}-\d{4}-[0-9a-f]{4}$/.test(x);
}

/** `gpuburst-<sessionId>-<index><random>`; a new random part for every create attempt. */
export function machineName(sessionId: string, index: number): string {
  return `${MACHINE_NAME_PREFIX}${sessionId}-${index}${crypto.randomBytes(2).toString('hex')}`;
}

/** The owning session of a machine name, or undefined for names that are not ours. */
export function sessionIdFromName(name: string): string | undefined {
  if (!name.startsWith(MACHINE_NAME_PREFIX)) return undefined;
  const rest = name.slice(MACHINE_NAME_PREFIX.length);
  const cut = rest.lastIndexOf('-');
  const id = cut > 0 ? rest.slice(0, cut) : '';
  return isSessionId(id) ? id : undefined;
}

/** The per-install secret (0600) from which machine tokens are derived. */
function localSecret(stateDir: string): Buffer {
  const file = path.join(stateDir, 'secret');
  try {
    return fs.readFileSync(file);
  } catch {
    fs.mkdirSync(stateDir, { recursive: true });
    const secret = crypto.randomBytes(32);
    // Created whole: a process starting at the same moment never reads it half-written.
    return createWhole(file, secret, { mode: 0o600 }) ? secret : fs.readFileSync(file); // else another process made it first
  }
}

/** The token a machine's auth proxy requires; registered as a secret so it never reaches a log. */
export function accessToken(stateDir: string, name: string): string {
  const token = crypto.createHmac('sha256', localSecret(stateDir)).update(name).digest('hex').slice(0, 40);
  registerSecret(token);
  return token;
}
