import fs from 'fs';
import os from 'os';
import path from 'path';
import { currentObjectInfo, modelFiles } from '../../../src/sim/comfyui/nodes';

let root: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-listing-'));
});
afterEach(() => {
  jest.restoreAllMocks();
  fs.rmSync(root, { recursive: true, force: true });
});

/** Sets a folder's mtime to `secondsAgo` in the past: out of the racy window, as a folder nobody touched lately. */
function age(dir: string, secondsAgo = 10): void {
  const t = new Date(Date.now() - secondsAgo * 1000);
  fs.utimesSync(dir, t, t);
}

function put(file: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, 'x');
}

test('a listing is read once while its folders keep their mtimes', () => {
  put(path.join(root, 'checkpoints', 'a.safetensors'));
  age(path.join(root, 'checkpoints'));
  const readdir = jest.spyOn(fs, 'readdirSync');
  expect(modelFiles(root, 'checkpoints')).toEqual(['a.safetensors']);
  expect(modelFiles(root, 'checkpoints')).toEqual(['a.safetensors']);
  expect(readdir).toHaveBeenCalledTimes(1);
});

test('a file added later, in the folder or in a subfolder, is listed', () => {
  put(path.join(root, 'loras', 'sub', 'one.safetensors'));
  age(path.join(root, 'loras', 'sub'));
  age(path.join(root, 'loras'));
  expect(modelFiles(root, 'loras')).toEqual(['sub/one.safetensors']);
  put(path.join(root, 'loras', 'sub', 'two.safetensors'));
  expect(modelFiles(root, 'loras')).toEqual(['sub/one.safetensors', 'sub/two.safetensors']);
  age(path.join(root, 'loras', 'sub'));
  put(path.join(root, 'loras', 'three.safetensors'));
  expect(modelFiles(root, 'loras')).toEqual(['sub/one.safetensors', 'sub/two.safetensors', 'three.safetensors']);
});

test('a folder that did not exist is looked at again', () => {
  expect(modelFiles(root, 'vae')).toEqual([]);
  put(path.join(root, 'vae', 'v.safetensors'));
  expect(modelFiles(root, 'vae')).toEqual(['v.safetensors']);
});

test('a listing of a folder changed just before it is not kept: the clock that stamps folders moves in steps', () => {
  put(path.join(root, 'checkpoints', 'a.safetensors')); // the folder's mtime is now
  const readdir = jest.spyOn(fs, 'readdirSync');
  modelFiles(root, 'checkpoints');
  modelFiles(root, 'checkpoints');
  expect(readdir).toHaveBeenCalledTimes(2);
  // Were it kept, a file added within the same clock step would leave the mtime as recorded, and go unseen.
  const mtime = fs.statSync(path.join(root, 'checkpoints')).mtime;
  put(path.join(root, 'checkpoints', 'b.safetensors'));
  fs.utimesSync(path.join(root, 'checkpoints'), mtime, mtime);
  expect(modelFiles(root, 'checkpoints')).toEqual(['a.safetensors', 'b.safetensors']);
});

test('verify false answers with the kept listing without looking; a caller mutating its copy changes nothing', () => {
  put(path.join(root, 'checkpoints', 'a.safetensors'));
  age(path.join(root, 'checkpoints'));
  const first = modelFiles(root, 'checkpoints');
  first.push('mutated');
  put(path.join(root, 'checkpoints', 'b.safetensors'));
  expect(modelFiles(root, 'checkpoints', false)).toEqual(['a.safetensors']);
  expect(modelFiles(root, 'checkpoints')).toEqual(['a.safetensors', 'b.safetensors']);
});

test("a prompt's validation looks at the folders of its own classes only, and sees their new files", () => {
  const models = path.join(root, 'models');
  const input = path.join(root, 'input');
  put(path.join(models, 'checkpoints', 'a.safetensors'));
  put(path.join(models, 'loras', 'l.safetensors'));
  fs.mkdirSync(input);
  for (const d of [path.join(models, 'checkpoints'), path.join(models, 'loras'), input]) age(d);
  currentObjectInfo(models, input);
  put(path.join(models, 'checkpoints', 'b.safetensors'));
  put(path.join(models, 'loras', 'm.safetensors'));
  const stat = jest.spyOn(fs, 'statSync');
  const info = currentObjectInfo(models, input, new Set(['CheckpointLoaderSimple', 'SaveImage']));
  const looked = stat.mock.calls.map(([p]) => path.relative(root, String(p)));
  expect(looked).toContain(path.join('models', 'checkpoints'));
  expect(looked).not.toContain(path.join('models', 'loras'));
  expect(looked).not.toContain('input');
  expect((info.CheckpointLoaderSimple.input.required?.ckpt_name as unknown[])[0]).toEqual(['a.safetensors', 'b.safetensors']);
  // Asked for everything (GET /object_info), the other folders are looked at again.
  expect((currentObjectInfo(models, input).LoraLoader.input.required?.lora_name as unknown[])[0]).toEqual(['l.safetensors', 'm.safetensors']);
});
