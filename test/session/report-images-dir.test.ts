/** Where the report says the images are: the deepest folder holding all of them, never above or outside outDir. */
import path from 'path';
import { imagesDir } from '../../src/session/report';

const out = path.join(path.sep, 'work', 'outputs', 'sdxl', 's1');
const at = (...parts: string[]) => path.join(out, ...parts);

test.each([
  ['nothing pulled: the session folder', [], out],
  ['one workflow, one prefix folder: that folder', [at('sdxl', 'sdxl', 'a.png'), at('sdxl', 'sdxl', 'b.png')], at('sdxl', 'sdxl')],
  ['two workflows: the folder above both', [at('sdxl', 'sdxl', 'a.png'), at('sd15', 'b.png')], out],
  ['prefix folders by date: their common parent', [at('invert', '2026-12-04', 'a.png'), at('invert', '2026-12-05', 'b.png')], at('invert')],
  ['a file straight in the session folder', [at('a.png'), at('x', 'b.png')], out],
  ['a name that only starts like a folder is not inside it', [at('sdxl', 'a.png'), at('sdxl2', 'b.png')], out],
  ['a file outside the session folder (a moved journal): the session folder', [path.join(path.sep, 'elsewhere', 'a.png')], out],
])('%s', (_name, files, expected) => {
  expect(imagesDir(out, files)).toBe(expected);
});
