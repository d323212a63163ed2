/**
 * The simulator's prompt lifecycle against reference §1.1–1.5 and §2: event order and routing, history written
 * before `executing null`, real PNG files behind /view, ComfyUI's file naming, caching, queue order, interrupt.
 */
import fs from 'fs';
import path from 'path';
import { PNG } from 'pngjs';
import type { ComfySim } from '../../../src/sim/comfyui';
import { SD15, sd15Prompt, simWithModel } from '../../comfy/helpers';
import { WsTap, api, wsUrl } from './helpers';

let sim: ComfySim;
beforeAll(async () => {
  sim = await simWithModel({ msPerStep: 3 });
});
afterAll(() => sim.close());

async function runToEnd(tap: WsTap, prompt: unknown, clientId = 'c1') {
  const res = await api(sim, 'POST', '/prompt', { prompt, client_id: clientId });
  expect(res.status).toBe(200);
  const id = res.json.prompt_id as string;
  await tap.waitFor((f) => f.type === 'executing' && f.data.node === null && f.data.prompt_id === id);
  return { id, res: res.json, events: tap.frames.filter((f) => f.data.prompt_id === id || f.type === 'status') };
}

test('a prompt runs with the real event order, history is written before `executing null`, files are real PNGs', async () => {
  const tap = new WsTap(wsUrl(sim, 'c1'));
  await tap.opened;
  await tap.waitFor((f) => f.type === 'status');
  expect(tap.frames[0]).toEqual({ type: 'status', data: { status: { exec_info: { queue_remaining: 0 } }, sid: 'c1' } });
  let historyAtEnd: unknown;
  tap.ws.on('message', (d) => {
    const m = JSON.parse(d.toString());
    if (m.type === 'executing' && m.data.node === null) void api(sim, 'GET', `/history/${m.data.prompt_id}`).then((r) => (historyAtEnd = r.json));
  });
  const { id, res, events } = await runToEnd(tap, sd15Prompt(5, 'life/ComfyUI'));
  expect(res).toEqual({ prompt_id: id, number: 0, node_errors: {} });
  const order = events.filter((e) => e.type !== 'status' && e.type !== 'progress_state').map((e) => (e.type === 'executing' ? `executing:${e.data.node}` : e.type));
  // the loader, latent and text encoders run in some topological order before the sampler
  expect(order.slice(2, 6).sort()).toEqual(['executing:4', 'executing:5', 'executing:6', 'executing:7']);
  order.splice(2, 4, 'inputs');
  expect(order).toEqual([
    'execution_start',
    'execution_cached',
    'inputs', 'executing:3',
    'progress', 'progress', 'progress', 'progress',
    'executing:8', 'executing:9', 'executed',
    'execution_success',
    'executing:null',
  ]);
  // the status broadcast of the history write comes between execution_success and executing null
  const types = tap.frames.map((f) => f.type);
  expect(types.lastIndexOf('status')).toBeGreaterThan(types.indexOf('execution_success'));
  expect(events.find((e) => e.type === 'progress')?.data).toEqual({ value: 1, max: 4, prompt_id: id, node: '3' });
  await new Promise((r) => setTimeout(r, 50));
  expect(historyAtEnd).toHaveProperty([id, 'status', 'status_str'], 'success');

  const entry = (await api(sim, 'GET', `/api/history/${id}`)).json[id];
  expect(entry.outputs).toEqual({ '9': { images: [{ filename: 'ComfyUI_00001_.png', subfolder: 'life', type: 'output' }] } });
  expect(entry.prompt.slice(0, 2)).toEqual([0, id]);
  expect(entry.prompt[3]).toEqual({ client_id: 'c1' });
  expect(entry.status.messages.map((m: [string]) => m[0])).toEqual(['execution_start', 'execution_cached', 'execution_success']);
  expect(entry.meta['9']).toEqual({ node_id: '9', display_node: '9', parent_node: null, real_node_id: '9' });

  const view = await fetch(`${sim.url}/view?filename=ComfyUI_00001_.png&subfolder=life&type=output`);
  expect(view.headers.get('content-type')).toBe('image/png');
  const bytes = Buffer.from(await view.arrayBuffer());
  expect(bytes).toEqual(fs.readFileSync(path.join(sim.dirs.output, 'life', 'ComfyUI_00001_.png')));
  expect(PNG.sync.read(bytes).width).toBe(64);
  expect(bytes.toString('latin1')).toContain('tEXtprompt\0{');

  const second = await runToEnd(tap, sd15Prompt(6, 'life/ComfyUI'));
  expect((await api(sim, 'GET', `/history/${second.id}`)).json[second.id].outputs['9'].images[0].filename).toBe('ComfyUI_00002_.png');
  // only the sampler and what follows ran again: the loader and text encoders came from cache
  expect(second.events.find((e) => e.type === 'execution_cached')?.data.nodes).toEqual(['4', '5', '6', '7']);
  tap.close();
});

test('an identical prompt finishes from cache with the old file name and writes nothing new', async () => {
  const tap = new WsTap(wsUrl(sim, 'c2'));
  await tap.opened;
  const first = await runToEnd(tap, sd15Prompt(11, 'cache/x'), 'c2');
  const files = fs.readdirSync(path.join(sim.dirs.output, 'cache'));
  const again = await runToEnd(tap, sd15Prompt(11, 'cache/x'), 'c2');
  expect(again.events.find((e) => e.type === 'execution_cached')?.data.nodes).toEqual(['3', '4', '5', '6', '7', '8', '9']);
  expect(again.events.some((e) => e.type === 'progress')).toBe(false);
  const out = (id: string) => api(sim, 'GET', `/history/${id}`).then((r) => r.json[id].outputs);
  expect(await out(again.id)).toEqual(await out(first.id));
  expect(fs.readdirSync(path.join(sim.dirs.output, 'cache'))).toEqual(files);
  tap.close();
});

test('without client_id no execution events reach anyone, but progress and progress_state are broadcast', async () => {
  const tap = new WsTap(wsUrl(sim, 'watcher'));
  await tap.opened;
  const res = await api(sim, 'POST', '/prompt', { prompt: sd15Prompt(21, 'anon/x') });
  const id = res.json.prompt_id;
  await tap.waitFor((f) => f.type === 'progress' && f.data.prompt_id === id && f.data.value === f.data.max);
  await new Promise((r) => setTimeout(r, 50));
  expect(tap.frames.filter((f) => f.data.prompt_id === id && f.type !== 'progress_state').map((f) => f.type)).toEqual(['progress', 'progress', 'progress', 'progress']);
  expect(tap.frames.filter((f) => f.data.prompt_id === id && f.type === 'progress_state').length).toBeGreaterThan(0);
  expect((await api(sim, 'GET', `/history/${id}`)).json[id].status.status_str).toBe('success');
  tap.close();
});

test('queue: heap order by number, front jumps ahead, /queue shows [number, id, prompt, extra, outputs]; delete and interrupt', async () => {
  const tap = new WsTap(wsUrl(sim, 'q'));
  await tap.opened;
  const slow = sd15Prompt(31, 'q/x');
  slow['3'].inputs.steps = 60;
  const a = (await api(sim, 'POST', '/prompt', { prompt: slow, client_id: 'q' })).json.prompt_id;
  await tap.waitFor((f) => f.type === 'progress' && f.data.prompt_id === a);
  const b = (await api(sim, 'POST', '/prompt', { prompt: sd15Prompt(32, 'q/x'), client_id: 'q' })).json;
  const c = (await api(sim, 'POST', '/prompt', { prompt: sd15Prompt(33, 'q/x'), client_id: 'q', front: true })).json;
  const d = (await api(sim, 'POST', '/prompt', { prompt: sd15Prompt(34, 'q/x'), client_id: 'q', number: 0.5 })).json;
  expect(c.number).toBeLessThan(0);
  expect(d.number).toBe(0.5);
  const q = (await api(sim, 'GET', '/queue')).json;
  expect(q.queue_running.map((i: unknown[]) => i[1])).toEqual([a]);
  expect(q.queue_running[0]).toHaveLength(5);
  expect(q.queue_running[0][4]).toEqual(['9']);
  expect([...q.queue_pending].sort((x: number[], y: number[]) => x[0] - y[0]).map((i: unknown[]) => i[1])).toEqual([c.prompt_id, d.prompt_id, b.prompt_id]);
  expect((await api(sim, 'GET', '/prompt')).json).toEqual({ exec_info: { queue_remaining: 4 } });
  expect((await api(sim, 'POST', '/queue', { delete: [b.prompt_id, 'unknown'] })).status).toBe(200);
  expect((await api(sim, 'POST', '/interrupt', { prompt_id: 'not-running' })).status).toBe(200);
  expect((await api(sim, 'POST', '/interrupt', { prompt_id: a })).status).toBe(200);
  const interrupted = await tap.waitFor((f) => f.type === 'execution_interrupted');
  // `executed` lists what ran before the interrupt; nodes served from cache did not run
  const cached = (await tap.waitFor((f) => f.type === 'execution_cached' && f.data.prompt_id === a)).data.nodes as string[];
  expect(interrupted.data).toMatchObject({ prompt_id: a, node_id: '3', node_type: 'KSampler', executed: ['4', '5', '6', '7'].filter((n) => !cached.includes(n)) });
  await tap.waitFor((f) => f.type === 'executing' && f.data.node === null && f.data.prompt_id === d.prompt_id);
  const h = (await api(sim, 'GET', `/history/${a}`)).json[a];
  expect(h.status).toMatchObject({ status_str: 'error', completed: false });
  // c (front) ran before d (0.5); b was deleted and never ran
  const order = tap.frames.filter((f) => f.type === 'execution_start').map((f) => f.data.prompt_id);
  expect(order).toEqual([a, c.prompt_id, d.prompt_id]);
  expect((await api(sim, 'GET', `/history/${b.prompt_id}`)).json).toEqual({});
  tap.close();
});

test('a failing node gives execution_error with node, type and message, and history keeps what finished', async () => {
  const tap = new WsTap(wsUrl(sim, 'e'));
  await tap.opened;
  sim.workerFaults.failNext = { exceptionType: 'torch.OutOfMemoryError', message: 'CUDA out of memory. Tried to allocate 2.00 GiB' };
  const { id } = await runToEnd(tap, sd15Prompt(41, 'err/x'), 'e');
  const err = await tap.waitFor((f) => f.type === 'execution_error');
  expect(err.data).toMatchObject({ prompt_id: id, node_id: '3', node_type: 'KSampler', exception_type: 'torch.OutOfMemoryError', executed: expect.any(Array) });
  expect(err.data.exception_message).toMatch(/^CUDA out of memory.*\n$/);
  const h = (await api(sim, 'GET', `/history/${id}`)).json[id];
  expect(h.status.status_str).toBe('error');
  expect(h.status.messages.map((m: [string]) => m[0])).toEqual(['execution_start', 'execution_cached', 'execution_error']);
  tap.close();
});

test('batch_size 2 writes two files with consecutive counters; a prefix escaping the output folder fails at run time', async () => {
  const tap = new WsTap(wsUrl(sim, 'b'));
  await tap.opened;
  const p = sd15Prompt(51, 'batch/two');
  p['5'].inputs.batch_size = 2;
  const { id } = await runToEnd(tap, p, 'b');
  expect((await api(sim, 'GET', `/history/${id}`)).json[id].outputs['9'].images.map((i: { filename: string }) => i.filename)).toEqual(['two_00001_.png', 'two_00002_.png']);
  const bad = await runToEnd(tap, sd15Prompt(52, '../../escape'), 'b');
  const err = await tap.waitFor((f) => f.type === 'execution_error' && f.data.prompt_id === bad.id);
  expect(err.data).toMatchObject({ node_id: '9', node_type: 'SaveImage' });
  expect(String(err.data.exception_message)).toMatch(/outside the output folder/);
  tap.close();
});

test(`models appear in /models and /object_info lists (${SD15})`, async () => {
  expect((await api(sim, 'GET', '/models/checkpoints')).json).toEqual([SD15]);
  expect((await api(sim, 'GET', '/models/unet')).status).toBe(404);
  const info = (await api(sim, 'GET', '/api/object_info/CheckpointLoaderSimple')).json;
  expect(info.CheckpointLoaderSimple.input.required.ckpt_name[0]).toEqual([SD15]);
  expect((await api(sim, 'GET', '/object_info/NoSuchNode')).json).toEqual({});
  expect((await api(sim, 'GET', '/object_info')).json.VAELoader.input.required.vae_name[0]).toEqual(['pixel_space']);
});

test('animated and video savers: one file of all frames under their own extension, flagged as ComfyUI 0.3.64 flags it', async () => {
  const tap = new WsTap(wsUrl(sim, 'c-anim'));
  await tap.opened;
  const saver = (classType: string, inputs: Record<string, unknown>, batch = 1) => {
    const p = sd15Prompt(800 + batch, 'unused') as Record<string, { class_type: string; inputs: Record<string, unknown> }>;
    p['5'].inputs.batch_size = batch;
    p['9'] = { class_type: classType, inputs: { images: ['8', 0], filename_prefix: 'anim/ComfyUI', ...inputs } };
    return p;
  };
  const webp = { fps: 6, lossless: false, quality: 80, method: 'default' };
  const outputsOf = async (prompt: unknown) => {
    const { id } = await runToEnd(tap, prompt, 'c-anim');
    return (await api(sim, 'GET', `/history/${id}`)).json[id].outputs['9'];
  };
  // SaveAnimatedWEBP flags a single frame as not animated (num_frames != 1).
  expect(await outputsOf(saver('SaveAnimatedWEBP', webp))).toEqual({ images: [{ filename: 'ComfyUI_00001_.webp', subfolder: 'anim', type: 'output' }], animated: [false] });
  expect(await outputsOf(saver('SaveAnimatedWEBP', webp, 4))).toEqual({ images: [{ filename: 'ComfyUI_00002_.webp', subfolder: 'anim', type: 'output' }], animated: [true] });
  // One counter per prefix whatever the extension; a video is always animated.
  expect(await outputsOf(saver('SaveWEBM', { codec: 'vp9', fps: 24, crf: 32 }))).toEqual({ images: [{ filename: 'ComfyUI_00003_.webm', subfolder: 'anim', type: 'output' }], animated: [true] });
  const view = await fetch(`${sim.url}/view?filename=ComfyUI_00003_.webm&subfolder=anim&type=output`, { headers: { authorization: `Bearer ${sim.opts.token}` } });
  expect(view.status).toBe(200);
  expect((await view.arrayBuffer()).byteLength).toBeGreaterThan(0);
  tap.close();
});

test('links deeper than Python lets ComfyUI validate: 985 nodes pass, 986 are refused as the real 0.3.64 refuses them', async () => {
  const chain = (inverts: number) => {
    const p: Record<string, unknown> = { '1': { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 0 } } };
    for (let i = 2; i <= inverts + 1; i++) p[String(i)] = { class_type: 'ImageInvert', inputs: { image: [String(i - 1), 0] } };
    p[String(inverts + 2)] = { class_type: 'SaveImage', inputs: { images: [String(inverts + 1), 0], filename_prefix: 'deep/x' } };
    return p;
  };
  expect((await api(sim, 'POST', '/prompt', { prompt: chain(983) })).status).toBe(200);
  for (const inverts of [984, 20_000]) {
    const res = await api(sim, 'POST', '/prompt', { prompt: chain(inverts) });
    expect(res.status).toBe(400);
    expect(res.json.error).toEqual({ type: 'prompt_outputs_failed_validation', message: 'Prompt outputs failed validation', details: '', extra_info: {} });
    const [[nodeId, node]] = Object.entries(res.json.node_errors as Record<string, { class_type: string; errors: { type: string; details: string; extra_info: Record<string, unknown> }[] }>);
    expect(Number(nodeId)).toBeLessThan(inverts + 2);
    expect(node.errors).toEqual([expect.objectContaining({ type: 'exception_during_inner_validation', message: 'Exception when validating inner node', details: 'maximum recursion depth exceeded while calling a Python object' })]);
    expect(node.errors[0].extra_info).toMatchObject({ exception_type: 'RecursionError', input_name: expect.any(String) });
  }
});
