/**
 * Where sessions are found: the per-user state dir by environment and platform, pointers to journals in other
 * folders, and what a damaged journal's raw text still names.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { scanMachines } from '../../src/session/journal-scan';
import { allSessions, findSession, registerSession, userStateDir } from '../../src/session/state-dir';

test('the user state dir: GPUBURST_STATE_DIR, then XDG_STATE_HOME, then ~/.local/state; LOCALAPPDATA on Windows', () => {
  expect(userStateDir({ GPUBURST_STATE_DIR: '/s', XDG_STATE_HOME: '/x', HOME: '/h' })).toBe(path.resolve('/s'));
  expect(userStateDir({ XDG_STATE_HOME: '/x', HOME: '/h' }, 'linux')).toBe(path.join('/x', 'gpuburst'));
  expect(userStateDir({ HOME: '/h' }, 'linux')).toBe(path.join('/h', '.local', 'state', 'gpuburst'));
  expect(userStateDir({ LOCALAPPDATA: 'C:\\Users\\me\\AppData\\Local', HOME: '/h' }, 'win32')).toBe(path.join('C:\\Users\\me\\AppData\\Local', 'gpuburst'));
  expect(userStateDir({ GPUBURST_STATE_DIR: '  ' })).toBeUndefined();
});

test('a registered session is found from any folder; the current folder is searched too; a deleted journal is not', () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-statedir-'));
  const env = { GPUBURST_STATE_DIR: path.join(home, 'state') };
  const journal = (folder: string, id: string) => {
    const file = path.join(home, folder, '.gpuburst', 'sessions', `${id}.json`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '{}');
    return file;
  };
  const a = journal('a', '20261203-0100-aaaa');
  const b = journal('b', '20261203-0200-bbbb');
  registerSession(env, '20261203-0100-aaaa', a);
  registerSession(env, '20261203-0300-gone', journal('c', '20261203-0300-gone'));
  fs.rmSync(path.join(home, 'c'), { recursive: true });

  expect(findSession(path.join(home, 'elsewhere'), env, '20261203-0100-aaaa')).toEqual({ id: '20261203-0100-aaaa', file: a, stateDir: path.join(home, 'a', '.gpuburst') });
  expect(allSessions(path.join(home, 'b'), env).map((s) => s.file)).toEqual([a, b]);
  // Registered and in the current folder: listed once.
  expect(allSessions(path.join(home, 'a'), env).map((s) => s.id)).toEqual(['20261203-0100-aaaa']);
  expect(findSession(home, env, '20261203-0300-gone')).toBeUndefined();
  expect(findSession(path.join(home, 'a'), {}, '20261203-0100-aaaa')?.file).toBe(a);
});

test('a truncated journal still names its machines: ids where the cut left them, ended ones marked, request ignored', () => {
  const text = [
    '{"version": 2, "id": "s1", "request": {"provider": "vast", "batchFile": "/b.yaml"},',
    ' "estimate": {"provider": "vast", "gpu": "RTX 4090"},',
    ' "machines": [',
    '  {"provider": "vast", "name": "gpuburst-s1-0a", "offerId": "77", "state": "terminated", "id": "9100001"},',
    '  {"provider": "runpod", "name": "gpuburst-s1-1b", "offerId": "x", "state": "ready", "id": "pod-2"},',
    '  {"provider": "lambda", "name": "gpuburst-s1-2c", "offerId": "y", "state": "inten',
  ].join('\n');
  expect(scanMachines(text)).toEqual([
    { provider: 'vast', name: 'gpuburst-s1-0a', id: '9100001', ended: true },
    { provider: 'runpod', name: 'gpuburst-s1-1b', id: 'pod-2', ended: false },
    { provider: 'lambda', name: 'gpuburst-s1-2c', id: undefined, ended: false },
  ]);
  // A prompt id after the last machine is not taken for that machine's id.
  expect(scanMachines('"machines": [{"provider": "vast", "name": "gpuburst-s1-0a", "state": "intended"}], "prompts": [{"id": "p0001"}]')[0].id).toBeUndefined();
});
