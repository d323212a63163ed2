/**
 * One owner per session: the lock names its owner, refuses a second one while that process lives, is taken over
 * when it does not, and `down`'s stop request aborts the owner's signal.
 */
import { spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { acquireLock, lockFile, lockOwner, ownSession, requestStop } from '../../src/session/lock';

const ID = '20261203-0500-abcd';
const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-lock-'));
/** A pid that surely ran and ended: a child that exited. */
const deadPid = () => spawnSync(process.execPath, ['-e', '0']).pid!;

test('the lock names its owner; a second taker is refused naming pid and host; release frees it', () => {
  const dir = tempDir();
  const lock = acquireLock(dir, ID);
  expect(lockOwner(dir, ID)).toMatchObject({ pid: process.pid, host: os.hostname() });
  fs.writeFileSync(lockFile(dir, ID), JSON.stringify({ pid: process.ppid, host: os.hostname(), since: 'x' }));
  expect(() => acquireLock(dir, ID)).toThrow(`session ${ID} is owned by process ${process.ppid} on ${os.hostname()} (since x); nothing was rented — wait for it, or gpuburst down ${ID} to end it`);
  fs.writeFileSync(lockFile(dir, ID), JSON.stringify({ pid: process.pid, host: os.hostname(), since: 'x' }));
  lock.release();
  expect(fs.existsSync(lockFile(dir, ID))).toBe(false);
  expect(lockOwner(dir, ID)).toBeUndefined();
});

test('a lock whose process is gone, or that is unreadable, is taken over', () => {
  const dir = tempDir();
  fs.mkdirSync(path.join(dir, 'sessions'));
  fs.writeFileSync(lockFile(dir, ID), JSON.stringify({ pid: deadPid(), host: os.hostname(), since: 'then' }));
  expect(lockOwner(dir, ID)).toBeUndefined();
  acquireLock(dir, ID).release();
  fs.writeFileSync(lockFile(dir, ID), '{"pid": 12');
  const lock = acquireLock(dir, ID);
  expect(JSON.parse(fs.readFileSync(lock.file, 'utf8')).pid).toBe(process.pid);
  lock.release();
});

test('a lock from another host cannot be checked and is never taken', () => {
  const dir = tempDir();
  fs.mkdirSync(path.join(dir, 'sessions'));
  fs.writeFileSync(lockFile(dir, ID), JSON.stringify({ pid: 1, host: 'elsewhere.example', since: 'now' }));
  expect(() => acquireLock(dir, ID)).toThrow(/owned by process 1 on elsewhere\.example/);
});

test("down's stop request aborts the owner's signal; release removes lock and request", async () => {
  const dir = tempDir();
  let told = 0;
  const owned = ownSession(dir, ID, { pollMs: 20, onStop: () => told++ });
  expect(owned.signal.aborted).toBe(false);
  requestStop(dir, ID, 'test');
  for (let i = 0; i < 100 && !owned.signal.aborted; i++) await new Promise((r) => setTimeout(r, 20));
  expect(owned.signal.aborted).toBe(true);
  expect(told).toBe(1);
  owned.release();
  expect(fs.readdirSync(path.join(dir, 'sessions'))).toEqual([]);
});

test('a stop request seen before its text is complete still names who asked', async () => {
  const dir = tempDir();
  const asked: string[] = [];
  const owned = ownSession(dir, ID, { pollMs: 20, onStop: (by) => asked.push(by) });
  const file = path.join(dir, 'sessions', `${ID}.stop`);
  fs.writeFileSync(file, ''); // as a plain write leaves it between creating the file and writing it
  await new Promise((r) => setTimeout(r, 30));
  fs.writeFileSync(file, JSON.stringify({ by: 'gpuburst down (process 7)' }));
  for (let i = 0; i < 100 && !owned.signal.aborted; i++) await new Promise((r) => setTimeout(r, 10));
  expect(asked).toEqual(['gpuburst down (process 7)']);
  owned.release();
});

test('a stop request that never becomes readable still stops the owner', async () => {
  const dir = tempDir();
  const asked: string[] = [];
  const owned = ownSession(dir, ID, { pollMs: 10, onStop: (by) => asked.push(by) });
  fs.writeFileSync(path.join(dir, 'sessions', `${ID}.stop`), '{"by":');
  for (let i = 0; i < 100 && !owned.signal.aborted; i++) await new Promise((r) => setTimeout(r, 10));
  expect(asked).toEqual(['another process']);
  owned.release();
  expect(fs.readdirSync(path.join(dir, 'sessions'))).toEqual([]);
});

test('requestStop leaves only the request, whole', () => {
  const dir = tempDir();
  fs.mkdirSync(path.join(dir, 'sessions'));
  requestStop(dir, ID, 'gpuburst down (process 7)');
  expect(fs.readdirSync(path.join(dir, 'sessions'))).toEqual([`${ID}.stop`]);
  expect(JSON.parse(fs.readFileSync(path.join(dir, 'sessions', `${ID}.stop`), 'utf8'))).toMatchObject({ by: 'gpuburst down (process 7)' });
});
