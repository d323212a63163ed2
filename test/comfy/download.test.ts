/**
 * Output names come from the server: unsafe ones are refused before anything is written, and nothing ever lands
 * outside the output folder. Downloads are streamed into a temporary file and renamed only when complete.
 */
import fs from 'fs';
import http from 'http';
import type { AddressInfo } from 'net';
import path from 'path';
import { BadInputError } from '../../providers/errors';
import { ComfyClient } from '../../src/comfy/client';
import { downloadToFile } from '../../src/comfy/download';
import { Limiter, outputFiles, pullOutputs } from '../../src/comfy/outputs';
import { checkFileName, checkSubfolder, resolveInside } from '../../src/comfy/safe-path';
import type { HistoryEntry } from '../../src/comfy/types';
import { tempDir } from './helpers';

describe('safe names', () => {
  test.each(['../x.png', '..', '.', '', 'a/b.png', 'a\\b.png', 'C:evil.png', 'x\0.png', '/etc/passwd', 'a..b.png'])('file name %j is refused', (name) => {
    expect(() => checkFileName(name)).toThrow(BadInputError);
  });
  test.each(['ComfyUI_00001_.png', 'x y (1).png', 'ünïcode.webp'])('file name %j is fine', (name) => {
    expect(checkFileName(name)).toBe(name);
  });
  test.each(['..', '../x', 'a/../../b', '/etc', '\\\\server\\share', 'C:\\Windows', 'C:/x', 'a\0b'])('subfolder %j is refused', (sub) => {
    expect(() => checkSubfolder(sub)).toThrow(BadInputError);
  });
  test.each([
    ['', ''],
    ['sdxl', 'sdxl'],
    ['a/b', 'a/b'],
    ['a\\b', 'a/b'],
    ['./a//b/', 'a/b'],
  ])('subfolder %j is %j', (sub, norm) => {
    expect(checkSubfolder(sub)).toBe(norm);
  });
  test('resolveInside stays inside', () => {
    const root = tempDir();
    expect(resolveInside(root, 'a/b', 'x.png')).toBe(path.join(root, 'a', 'b', 'x.png'));
    expect(() => resolveInside(root, '', '../x.png')).toThrow(BadInputError);
  });
});

/** A server that lies: history with hostile names, /view with short or long bodies. */
function hostileServer(files: { filename: string; subfolder: string; type: string }[], body: (q: URLSearchParams) => { status: number; data: Buffer; length?: number }) {
  const served: string[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/view') {
      served.push(url.search);
      const b = body(url.searchParams);
      res.writeHead(b.status, { 'content-length': String(b.length ?? b.data.length) });
      res.end(b.data);
      if (b.length !== undefined && b.length > b.data.length) res.destroy();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: { outputs: { '9': { images: files } } } }));
  });
  return new Promise<{ url: string; served: string[]; close: () => Promise<void> }>((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, served, close: () => new Promise((r) => server.close(() => r())) }));
  });
}

test('a history naming ../ or absolute paths is refused whole: nothing requested, nothing written anywhere', async () => {
  const evil = [
    { filename: 'ok.png', subfolder: '', type: 'output' },
    { filename: '../../escape.png', subfolder: '', type: 'output' },
  ];
  const srv = await hostileServer(evil, () => ({ status: 200, data: Buffer.from('png') }));
  const client = new ComfyClient({ baseUrl: srv.url });
  const root = tempDir();
  const out = path.join(root, 'out');
  const entry = (await client.history('id')) as HistoryEntry;
  const files = outputFiles(entry);
  await expect(pullOutputs('p1', files, { client, outputDir: out, limiter: new Limiter(2) })).rejects.toThrow(/unsafe output filename/);
  for (const sub of ['/etc', '../..', 'a/../../..']) {
    await expect(pullOutputs('p1', [{ nodeId: '9', filename: 'x.png', subfolder: sub, type: 'output' }], { client, outputDir: out, limiter: new Limiter(2) })).rejects.toThrow(BadInputError);
  }
  expect(srv.served).toEqual([]);
  expect(fs.readdirSync(root)).toEqual([]);
  await srv.close();
});

test('a body shorter than its Content-Length is retried, then fails without leaving a partial file; a good one is renamed into place', async () => {
  let calls = 0;
  const srv = await hostileServer([], (q) => {
    calls++;
    return q.get('filename') === 'short.png' ? { status: 200, data: Buffer.alloc(100), length: 1000 } : { status: 200, data: Buffer.alloc(5000, 7) };
  });
  const client = new ComfyClient({ baseUrl: srv.url });
  const dir = tempDir();
  await expect(downloadToFile(client, { filename: 'short.png', subfolder: '', type: 'output' }, path.join(dir, 'a.png'), { attempts: 2, retryDelayMs: 1 })).rejects.toThrow();
  expect(calls).toBe(2);
  expect(fs.readdirSync(dir)).toEqual([]);
  expect(await downloadToFile(client, { filename: 'good.png', subfolder: 'sub', type: 'output' }, path.join(dir, 'b.png'))).toBe(5000);
  expect(fs.readdirSync(dir)).toEqual(['b.png']);
  expect(srv.served.at(-1)).toBe('?filename=good.png&subfolder=sub&type=output');
  await srv.close();
});

test('outputFiles lists images, gifs, audio…; temp only when asked or when it is all there is; input never', () => {
  const entry = {
    prompt: [],
    outputs: {
      '9': { images: [{ filename: 'a.png', subfolder: 's', type: 'output' }] },
      '10': { images: [{ filename: 'p.png', subfolder: '', type: 'temp' }] },
      '11': { gifs: [{ filename: 'v.mp4', subfolder: '', type: 'output', format: 'video/h264-mp4' }], text: ['hello'] },
      '12': { images: [{ filename: 'in.png', subfolder: '', type: 'input' }] },
    },
  } as HistoryEntry;
  expect(outputFiles(entry).map((f) => `${f.nodeId}:${f.filename}`)).toEqual(['9:a.png', '11:v.mp4']);
  expect(outputFiles(entry, { includeTemp: true }).map((f) => f.filename)).toContain('p.png');
  // A workflow that only previews (PreviewImage): its previews are what it made.
  const previewOnly = { prompt: [], outputs: { '10': entry.outputs['10'], '12': entry.outputs['12'] } } as HistoryEntry;
  expect(outputFiles(previewOnly).map((f) => `${f.nodeId}:${f.filename}:${f.type}`)).toEqual(['10:p.png:temp']);
});

test('the download limiter never runs more than its limit, even when a slot frees while others wait', async () => {
  const limiter = new Limiter(2);
  let active = 0;
  let peak = 0;
  const task = async () => {
    peak = Math.max(peak, ++active);
    await new Promise((r) => setImmediate(r));
    active--;
  };
  await Promise.all(Array.from({ length: 20 }, () => limiter.add(task)));
  expect(peak).toBe(2);
});
