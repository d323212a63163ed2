/**
 * `/view` of a file that is replaced while it is being served (the machine agent rewrites status.json every second
 * with write + rename): the response is the file as it was opened, its length and bytes agreeing, never the old
 * length with the new, shorter content (a body that ends short and leaves the client waiting on a kept-open socket).
 */
import fs from 'fs';
import path from 'path';
import { startComfySim, type ComfySim } from '../../../src/sim/comfyui';

let sim: ComfySim;
beforeAll(async () => {
  sim = await startComfySim({});
});
afterAll(() => sim.close());
afterEach(() => jest.restoreAllMocks());

/** Replaces `file` the way the agent does: a new file renamed over the old path. */
function replace(file: string, text: string): void {
  fs.writeFileSync(`${file}.tmp`, text);
  fs.renameSync(`${file}.tmp`, file);
}

test('a file replaced between the request and its streaming is served whole, as it was when opened', async () => {
  const file = path.join(sim.dirs.output, 'status.json');
  const before = JSON.stringify({ state: 'placing models', files: Array.from({ length: 200 }, (_, i) => `model-${i}.safetensors`) });
  fs.writeFileSync(file, before);
  // Force the worst interleaving: the file is replaced the moment the server starts streaming it.
  const create = fs.createReadStream;
  jest.spyOn(fs, 'createReadStream').mockImplementation(((p: fs.PathLike, opts?: unknown) => {
    replace(file, '{"state":"ready"}');
    return create(p, opts as never);
  }) as typeof fs.createReadStream);
  const res = await fetch(`${sim.url}/view?filename=status.json`);
  expect(res.status).toBe(200);
  expect(Number(res.headers.get('content-length'))).toBe(Buffer.byteLength(before));
  expect(await res.text()).toBe(before);
  expect(fs.readFileSync(file, 'utf8')).toBe('{"state":"ready"}');
});

test('an empty file is served as an empty body, a folder is not found', async () => {
  fs.writeFileSync(path.join(sim.dirs.output, 'empty.txt'), '');
  fs.mkdirSync(path.join(sim.dirs.output, 'folder.png'));
  const empty = await fetch(`${sim.url}/view?filename=empty.txt`);
  expect([empty.status, empty.headers.get('content-length'), await empty.text()]).toEqual([200, '0', '']);
  expect((await fetch(`${sim.url}/view?filename=folder.png`)).status).toBe(404);
});

test('a large file arrives byte for byte', async () => {
  const bytes = Buffer.alloc(3 * 1024 * 1024 + 17);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) & 0xff;
  fs.writeFileSync(path.join(sim.dirs.output, 'big.png'), bytes);
  const res = await fetch(`${sim.url}/view?filename=big.png`);
  expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
});
