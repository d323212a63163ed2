/** Files other processes read are written aside and moved into place: whole or not at all, nothing left aside. */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { createWhole, writeWhole } from '../src/write-whole';

const dir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-whole-'));

test('writeWhole creates and replaces a file, with the mode asked for, and leaves nothing aside', () => {
  const d = dir();
  const file = path.join(d, 'a.json');
  writeWhole(file, '{"v":1}', { mode: 0o600 });
  writeWhole(file, '{"v":2}', { mode: 0o600, fsync: true });
  expect(fs.readFileSync(file, 'utf8')).toBe('{"v":2}');
  expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  expect(fs.readdirSync(d)).toEqual(['a.json']);
});

test('writeWhole writes every byte of a large text', () => {
  const file = path.join(dir(), 'big');
  const text = 'x'.repeat(8 * 1024 * 1024);
  writeWhole(file, text);
  expect(fs.statSync(file).size).toBe(text.length);
});

test('createWhole creates once: a second creator gets false and the first text stays', () => {
  const d = dir();
  const file = path.join(d, 'secret');
  expect(createWhole(file, Buffer.from('first'), { mode: 0o600 })).toBe(true);
  expect(createWhole(file, Buffer.from('second'), { mode: 0o600 })).toBe(false);
  expect(fs.readFileSync(file, 'utf8')).toBe('first');
  expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  expect(fs.readdirSync(d)).toEqual(['secret']);
});

test('createWhole in a folder that does not exist throws, not false', () => {
  expect(() => createWhole(path.join(dir(), 'no', 'such'), 'x')).toThrow(/ENOENT/);
});
