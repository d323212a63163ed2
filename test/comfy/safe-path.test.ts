/**
 * Local paths are legal on every OS whatever the server named its files (a Linux server accepts `:` and `CON`).
 */
import path from 'path';
import { MAX_NAME_CHARS, portableName, resolveInside } from '../../src/comfy/safe-path';

test('characters Windows refuses become _, trailing dots and spaces go, device names get a prefix', () => {
  expect(portableName('invert_07:08:09_00001_.png')).toBe('invert_07_08_09_00001_.png');
  expect(portableName('a<b>c"d|e?f*g\u0001.png')).toBe('a_b_c_d_e_f_g_.png');
  expect(portableName('folder. . ')).toBe('folder');
  for (const reserved of ['CON', 'prn', 'AUX.png', 'nul.tar.gz', 'COM1', 'lpt9.txt']) expect(portableName(reserved)).toBe(`_${reserved}`);
  expect(portableName('CONSOLE.png')).toBe('CONSOLE.png');
  expect(portableName('...')).toBe('_');
});

test('long names are cut below the limit and keep their extension', () => {
  const name = portableName(`${'x'.repeat(300)}.png`);
  expect(name.length).toBeLessThanOrEqual(MAX_NAME_CHARS);
  expect(name.endsWith('.png')).toBe(true);
});

test('resolveInside makes every part portable and still refuses traversal', () => {
  const root = path.resolve('/tmp/out');
  expect(resolveInside(root, 'invert/2026-01-05 07:08', 'CON.png')).toBe(path.join(root, 'invert', '2026-01-05 07_08', '_CON.png'));
  expect(() => resolveInside(root, '../x', 'a.png')).toThrow(/unsafe subfolder/);
});
