import fs from 'fs';
import os from 'os';
import path from 'path';
import { accessToken, isSessionId, machineName, newSessionId, sessionIdFromName } from '../../src/session/ids';
import { redact } from '../../providers/redact';

test('session ids are sortable and machine names carry them', () => {
  const id = newSessionId(new Date('2026-11-25T13:21:00Z'));
  expect(id).toMatch(/^20261125-1321-[0-9a-f]{4}$/);
  expect(isSessionId(id)).toBe(true);
  const name = machineName(id, 0);
  expect(name.startsWith(`gpuburst-${id}-0`)).toBe(true);
  expect(name.length).toBeLessThanOrEqual(64);
  expect(sessionIdFromName(name)).toBe(id);
  expect(sessionIdFromName('gpuburst-notours')).toBeUndefined();
  expect(sessionIdFromName('my-pod')).toBeUndefined();
  expect(machineName(id, 0)).not.toBe(name);
});

test('access tokens are stable per machine, differ between machines, and are redacted', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-ids-'));
  const a = accessToken(dir, 'gpuburst-x-1');
  expect(accessToken(dir, 'gpuburst-x-1')).toBe(a);
  expect(accessToken(dir, 'gpuburst-x-2')).not.toBe(a);
  expect(fs.statSync(path.join(dir, 'secret')).mode & 0o777).toBe(0o600);
  expect(fs.readdirSync(dir)).toEqual(['secret']); // no file written aside is left
  expect(fs.readFileSync(path.join(dir, 'secret'))).toHaveLength(32);
  expect(redact(`token=${a} and ${a}`)).not.toContain(a);
});
