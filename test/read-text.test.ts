import { execFileSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { readUserText } from '../src/read-text';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-read-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('a regular file is read', () => {
  fs.writeFileSync(path.join(dir, 'a.json'), '{"x":1}');
  expect(readUserText(path.join(dir, 'a.json'), 100)).toBe('{"x":1}');
});

test('a device is refused at once, not read until memory runs out', () => {
  expect(() => readUserText('/dev/zero', 1024)).toThrow('not a regular file: a device, pipe or socket');
});

test('a named pipe is refused, not waited on for good', () => {
  const fifo = path.join(dir, 'pipe.json');
  execFileSync('mkfifo', [fifo]);
  expect(() => readUserText(fifo, 1024)).toThrow('not a regular file: a device, pipe or socket');
});

test('a file over the limit is refused by its size, before reading', () => {
  const big = path.join(dir, 'big.json');
  fs.writeFileSync(big, '');
  fs.truncateSync(big, 3 * 1024 * 1024); // sparse: nothing written
  expect(() => readUserText(big, 2 * 1024 * 1024)).toThrow('3 MiB; at most 2 MiB is read');
});

test('a folder keeps its EISDIR', () => {
  expect(() => readUserText(dir, 1024)).toThrow(expect.objectContaining({ code: 'EISDIR' }));
});
