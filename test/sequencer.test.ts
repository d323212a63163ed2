/**
 * The test order: test/durations.json names only files that exist (a renamed slow file would silently lose its
 * place at the front), and the sequencer puts measured slow files before unmeasured small ones.
 */
import fs from 'fs';
import path from 'path';
import durations from './durations.json';
const SlowFirst = require('./sequencer');

const ROOT = path.join(__dirname, '..');

test('every file in test/durations.json exists', () => {
  const missing = Object.keys(durations).filter((rel) => !fs.existsSync(path.join(ROOT, rel)));
  expect(missing).toEqual([]);
});

test('measured slow files first, then by size; jest cache durations used for files not in the table', () => {
  const sizes: Record<string, number> = { 'test/a.test.ts': 40_000, 'test/b.test.ts': 100, 'test/c.test.ts': 100 };
  const context = { config: { cacheDirectory: '/nonexistent', id: 'x' }, hasteFS: { getSize: (p: string) => sizes[path.relative(ROOT, p)] } };
  const test = (rel: string) => ({ path: path.join(ROOT, rel), context });
  const [slowest] = Object.keys(durations);
  const sequencer = new SlowFirst({ contexts: [context], globalConfig: {} });
  sequencer.time = (t: { path: string }) => (t.path.endsWith('c.test.ts') ? 1_000_000 : undefined); // jest's cache: 1000 s
  const order = sequencer.sort([test('test/b.test.ts'), test('test/a.test.ts'), test(slowest), test('test/c.test.ts')]).map((t: { path: string }) => path.relative(ROOT, t.path));
  expect(order).toEqual(['test/c.test.ts', slowest, 'test/a.test.ts', 'test/b.test.ts']);
});
