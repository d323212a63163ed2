/**
 * The ComfyUI simulator against the captured traffic of a real ComfyUI v0.3.64 (test/fixtures/comfy/captures):
 * the same prompts give the same websocket frames in the same order (ids and timestamps aside), the same error
 * replies (status, content type, body; Python tracebacks aside), the same history and queue shapes, and the same
 * status and content type on every captured route.
 */
import fs from 'fs';
import path from 'path';
import WebSocket from 'ws';
import { ComfySim, startComfySim } from '../../../src/sim/comfyui';
import { renderPng } from '../../../src/sim/comfyui/png';
import { httpCaptureNames, readHttpCapture, readJsonCapture, readWsCapture, WsFrame } from '../../fixtures/comfy/captures';
import { api, wsUrl } from './helpers';

let sim: ComfySim;
beforeEach(async () => {
  sim = await startComfySim({ msPerStep: 1 });
  fs.writeFileSync(path.join(sim.dirs.input, 'green.png'), renderPng('green', { sizePx: 8 }));
  fs.writeFileSync(path.join(sim.dirs.input, 'bad.png'), 'not an image');
});
afterEach(() => sim.close());

/** One line per frame, without what differs between runs (ids, timestamps, sid). */
function summary(frames: WsFrame[]): string[] {
  return frames.map((f) => {
    if (f.kind === 'binary') return `binary event ${f.event_type} image ${parseInt((f.head_hex ?? '').slice(8, 16), 16)}`;
    const { type, data } = f.msg as { type: string; data: Record<string, unknown> };
    if (type === 'status') return `status ${(data.status as { exec_info: { queue_remaining: number } }).exec_info.queue_remaining}${'sid' in data ? ' +sid' : ''}`;
    if (type === 'executing') return `executing ${String(data.node)}`;
    if (type === 'execution_cached') return `execution_cached [${(data.nodes as string[]).join(',')}]`;
    if (type === 'progress') return `progress ${data.value}/${data.max} node ${data.node}`;
    if (type === 'progress_state') {
      const nodes = data.nodes as Record<string, { value: number; max: number; state: string }>;
      return `progress_state ${Object.entries(nodes).map(([id, n]) => `${id}:${n.state}:${n.value}/${n.max}`).join(' ')}`;
    }
    if (type === 'executed') {
      const out = data.output as { images?: { filename: string; type: string }[] } | null;
      // PreviewImage names carry 5 random letters (`_temp_abcde_`).
      return `executed ${data.node} ${out?.images?.map((i) => `${i.filename.replace(/_temp_[a-z]{5}_/, '_temp_*_')}(${i.type})`).join(',') ?? 'null'}`;
    }
    if (type === 'execution_error') return `execution_error node ${data.node_id} ${data.node_type} ${data.exception_type} executed [${(data.executed as string[]).join(',')}]`;
    if (type === 'execution_interrupted') return `execution_interrupted node ${data.node_id} executed [${(data.executed as string[]).join(',')}]`;
    return type;
  });
}

/** Opens a socket, posts the prompt, collects every frame until `executing null` of that prompt. */
async function capture(prompt: unknown, clientId: string): Promise<{ frames: WsFrame[]; promptId: string }> {
  const frames: WsFrame[] = [];
  const ws = new WebSocket(wsUrl(sim, clientId));
  let done: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const promptId = `${clientId}-prompt`;
  ws.on('message', (d: Buffer, binary) => {
    if (binary) {
      frames.push({ t: 0, kind: 'binary', event_type: d.readUInt32BE(0), head_hex: d.subarray(0, 8).toString('hex') });
      return;
    }
    const msg = JSON.parse(d.toString());
    frames.push({ t: 0, kind: 'text', msg });
    if (msg.type === 'executing' && msg.data.node === null && msg.data.prompt_id === promptId) done();
  });
  await new Promise((r) => ws.once('open', r));
  await api(sim, 'POST', '/prompt', { prompt, client_id: clientId, prompt_id: promptId });
  await finished;
  ws.terminate();
  return { frames, promptId };
}

/** The prompt the real server ran for a capture, from its history file. */
function capturedPrompt(name: string): unknown {
  const body = (readJsonCapture(`${name}.history.json`) as { body: Record<string, { prompt: unknown[] }> }).body;
  return Object.values(body)[0].prompt[2];
}

test.each(['empty_save', 'load_invert', 'cmp_load_scale', 'execution_error', 'ws_binary_and_preview'])('%s: the same frames in the same order as the real server', async (name) => {
  const { frames } = await capture(capturedPrompt(name), `cap-${name}`);
  expect(summary(frames)).toEqual(summary(readWsCapture(name)));
});

test('an identical rerun is answered from cache with the same frames as the real server (empty_save_cached_rerun2)', async () => {
  const prompt = capturedPrompt('empty_save');
  await capture(prompt, 'cap-first');
  const { frames } = await capture(prompt, 'cap-rerun');
  // The real server had saved this prompt twice before (00001-2, 00003-4); here it ran once: counters differ.
  const counters = (lines: string[]) => lines.map((l) => l.replace(/_\d{5}_/g, '_N_'));
  expect(counters(summary(frames))).toEqual(counters(summary(readWsCapture('empty_save_cached_rerun2'))));
});

test('progress_state carries the real per-node fields', async () => {
  const { frames, promptId } = await capture(capturedPrompt('empty_save'), 'cap-fields');
  const last = frames.filter((f) => f.msg?.type === 'progress_state').pop()?.msg?.data as { nodes: Record<string, unknown> };
  const real = readWsCapture('empty_save').filter((f) => f.msg?.type === 'progress_state').pop()?.msg?.data as { nodes: Record<string, Record<string, unknown>> };
  expect(Object.keys(last.nodes['2'] as object)).toEqual(Object.keys(real.nodes['2']));
  expect(last.nodes['2']).toEqual({ ...real.nodes['2'], prompt_id: promptId });
});

test('a client that announces preview metadata gets SaveImageWebsocket images as type-4 frames with JSON metadata', async () => {
  const ws = new WebSocket(wsUrl(sim, 'meta'));
  const binaries: Buffer[] = [];
  ws.on('message', (d: Buffer, binary) => binary && binaries.push(d));
  await new Promise((r) => ws.once('open', r));
  ws.send(JSON.stringify({ type: 'feature_flags', data: { supports_preview_metadata: true } }));
  const res = await api(sim, 'POST', '/prompt', { prompt: capturedPrompt('ws_binary_and_preview'), client_id: 'meta' });
  for (let i = 0; i < 200 && binaries.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
  ws.terminate();
  expect(binaries).toHaveLength(3);
  const len = binaries[0].readUInt32BE(4);
  expect(binaries[0].readUInt32BE(0)).toBe(4);
  expect(JSON.parse(binaries[0].subarray(8, 8 + len).toString())).toEqual({ node_id: '2', prompt_id: res.json.prompt_id, display_node_id: '2', parent_node_id: null, real_node_id: '2', image_type: 'image/png' });
  expect(binaries[0].subarray(8 + len, 12 + len).toString('latin1')).toBe('\x89PNG');
});

test('history and queue have the real shapes (empty_save)', async () => {
  const { promptId } = await capture(capturedPrompt('empty_save'), 'cap-hist');
  const realBody = (readJsonCapture('empty_save.history.json') as { body: Record<string, Record<string, unknown>> }).body;
  const [realId, real] = Object.entries(realBody)[0];
  const realClient = (real.prompt as unknown[])[3] as { client_id: string };
  const normalize = (x: unknown, id: string, client: string) => JSON.parse(JSON.stringify(x).split(id).join('<id>').split(client).join('<client>').replace(/"timestamp":\d+/g, '"timestamp":0'));
  const ours = (await api(sim, 'GET', `/history/${promptId}`)).json[promptId];
  expect(normalize(ours, promptId, 'cap-hist')).toEqual(normalize(real, realId, realClient.client_id));
  expect(Object.keys(ours)).toEqual(Object.keys(real));
  expect((await api(sim, 'GET', '/queue')).json).toEqual((readJsonCapture('empty_save.queue.json') as { body: unknown }).body);
});

test('an interrupt during a node takes effect when the next node starts, as on the real server (queue_interrupt)', async () => {
  await sim.close();
  sim = await startComfySim({ msPerNode: 400 });
  const ws = new WebSocket(wsUrl(sim, 'int'));
  const frames: WsFrame[] = [];
  ws.on('message', (d: Buffer, binary) => !binary && frames.push({ t: 0, kind: 'text', msg: JSON.parse(d.toString()) }));
  await new Promise((r) => ws.once('open', r));
  const prompt = { '1': { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 0 } }, '2': { class_type: 'ImageInvert', inputs: { image: ['1', 0] } }, '3': { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'i' } } };
  const id = (await api(sim, 'POST', '/prompt', { prompt, client_id: 'int' })).json.prompt_id;
  for (let i = 0; i < 200 && !frames.some((f) => f.msg?.type === 'executing' && f.msg.data.node === '1'); i++) await new Promise((r) => setTimeout(r, 5));
  await api(sim, 'POST', '/interrupt', { prompt_id: id });
  for (let i = 0; i < 400 && !frames.some((f) => f.msg?.type === 'executing' && f.msg.data.node === null); i++) await new Promise((r) => setTimeout(r, 10));
  ws.terminate();
  const real = readWsCapture('queue_interrupt').filter((f) => f.msg?.type === 'execution_interrupted')[0];
  const ours = frames.find((f) => f.msg?.type === 'execution_interrupted');
  expect(summary([ours as WsFrame])).toEqual(summary([real]));
});

test.each(httpCaptureNames('err_').map((n) => [n]))('%s: the same error reply as the real server', async (name) => {
  const c = readHttpCapture(name);
  const body = c.requestBody === undefined ? '{"prompt": {' : JSON.stringify(c.requestBody);
  const res = await fetch(`${sim.url}${c.path}`, { method: c.method, headers: { 'content-type': 'application/json' }, body });
  const text = await res.text();
  expect(res.status).toBe(c.status);
  expect(res.headers.get('content-type')).toBe(c.headers['content-type']);
  const withoutTraceback = (s: string) => (c.headers['content-type'].startsWith('application/json') ? JSON.parse(s, (k, v) => (k === 'traceback' ? [] : v)) : s);
  expect(withoutTraceback(text)).toEqual(withoutTraceback(c.body.toString('utf8')));
});

test('a prompt that is not an object gets the server\'s 500 page', async () => {
  const real = readHttpCapture('err_invalid_json');
  for (const prompt of [[1, 2], 'text', null]) {
    const res = await api(sim, 'POST', '/prompt', { prompt });
    expect([res.status, res.headers.get('content-type'), res.text]).toEqual([500, real.headers['content-type'], real.body.toString('utf8')]);
  }
});

test('a node whose class_type is an object or an array gets the 500 page too (unhashable in the server\'s lookup); a number or null is a 400', async () => {
  const real = readHttpCapture('err_invalid_json');
  for (const classType of [{}, ['KSampler']]) {
    const res = await api(sim, 'POST', '/prompt', { prompt: { '1': { class_type: classType, inputs: {} } } });
    expect([res.status, res.headers.get('content-type'), res.text]).toEqual([500, real.headers['content-type'], real.body.toString('utf8')]);
  }
  // Python's f-string names them as Python prints them.
  for (const [classType, printed] of [[5, '5'], [null, 'None'], [true, 'True']] as const) {
    const res = await api(sim, 'POST', '/prompt', { prompt: { '1': { class_type: classType, inputs: {} } } });
    expect([res.status, JSON.parse(res.text).error.message]).toEqual([400, `Cannot execute because node ${printed} does not exist.`]);
  }
});

const ROUTES = ['api_prompt_get', 'api_queue', 'embeddings', 'features', 'history_missing', 'interrupt_empty', 'interrupt_pid', 'models', 'models_bogus', 'models_checkpoints', 'object_info_one', 'object_info_unknown', 'prompt_get', 'queue', 'system_stats', 'view_badtype', 'view_missing', 'view_traversal', 'view_subfolder_traversal'];

test.each(ROUTES.map((n) => [n]))('%s: same status and content type as the real server', async (name) => {
  const c = readHttpCapture(name);
  const res = await fetch(`${sim.url}${c.path}`, { method: c.method, headers: c.requestBody ? { 'content-type': 'application/json' } : {}, body: c.requestBody ? JSON.stringify(c.requestBody) : undefined });
  const text = await res.text();
  expect([res.status, res.headers.get('content-type')]).toEqual([c.status, c.headers['content-type']]);
  if (name === 'system_stats') expect(Object.keys(JSON.parse(text).system)).toEqual(Object.keys(JSON.parse(c.body.toString()).system));
  else if (c.body.length && /^(api_|queue|prompt_get|embeddings|features|history_missing|models|object_info)/.test(name)) expect(JSON.parse(text)).toEqual(JSON.parse(c.body.toString()));
  else expect(text).toBe(c.body.toString());
});

test('/view: the original PNG, a webp preview for preview=webp;50, and png for channel=a, as the real server types them', async () => {
  const { promptId } = await capture(capturedPrompt('load_invert'), 'cap-view');
  const file = (await api(sim, 'GET', `/history/${promptId}`)).json[promptId].outputs['3'].images[0].filename;
  for (const name of ['view_ok', 'view_preview', 'view_channel']) {
    const c = readHttpCapture(name);
    const res = await fetch(`${sim.url}${c.path.replace('cap_invert_00001_.png', file)}`);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect([res.status, res.headers.get('content-type'), res.headers.get('content-disposition')]).toEqual([200, c.headers['content-type'], `filename="${file}"`]);
    expect(bytes.subarray(0, 4).toString('latin1')).toBe(c.body.subarray(0, 4).toString('latin1'));
  }
});
