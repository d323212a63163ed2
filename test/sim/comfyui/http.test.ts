/**
 * The simulator's HTTP surface against reference §1: the auth proxy in front, `/api` aliases, validation errors
 * with node_errors, /view and /upload path rules, request size limit, crash/restart and slow start.
 */
import fs from 'fs';
import path from 'path';
import { ComfySim, startComfySim } from '../../../src/sim/comfyui';
import { SD15, sd15Prompt, simWithModel } from '../../comfy/helpers';
import { WsTap, api, wsUrl } from './helpers';

describe('behind the auth proxy', () => {
  let sim: ComfySim;
  beforeAll(async () => {
    sim = await simWithModel({ token: 'proxy-token-0123456789' });
  });
  afterAll(() => sim.close());

  test('Bearer or ?token= pass; anything else is redirected to the login page (non-JSON 302), websockets too', async () => {
    expect((await api(sim, 'GET', '/system_stats')).status).toBe(200);
    expect((await api(sim, 'GET', '/api/system_stats?token=proxy-token-0123456789', undefined, { auth: false })).status).toBe(200);
    const refused = await api(sim, 'GET', '/system_stats', undefined, { auth: false });
    expect(refused.status).toBe(302);
    expect(refused.headers.get('location')).toBe('/login');
    expect((await api(sim, 'GET', '/system_stats', undefined, { auth: false, headers: { authorization: 'Bearer wrong' } })).status).toBe(302);
    const bad = new WsTap(wsUrl(sim, 'x').replace(/token=[^&]+/, 'token=wrong'));
    await expect(bad.opened).rejects.toThrow(/302/);
    const good = new WsTap(wsUrl(sim, 'x'));
    await good.opened;
    good.close();
  });

  test('401 flavour of the proxy', async () => {
    const other = await startComfySim({ token: 'another-token-123', authFailure: '401' });
    expect((await api(other, 'GET', '/system_stats', undefined, { auth: false })).status).toBe(401);
    await other.close();
  });
});

describe('plain ComfyUI', () => {
  let sim: ComfySim;
  beforeAll(async () => {
    sim = await simWithModel();
  });
  afterAll(() => sim.close());

  test('/system_stats and /features shapes, every route under /api too', async () => {
    const stats = (await api(sim, 'GET', '/api/system_stats')).json;
    expect(stats.system).toMatchObject({ os: 'posix', comfyui_version: '0.3.64' });
    expect(stats.devices[0]).toMatchObject({ type: 'cuda', index: 0, vram_total: expect.any(Number) });
    expect((await api(sim, 'GET', '/features')).json).toEqual({ supports_preview_metadata: true, max_upload_size: 104857600 });
    expect((await api(sim, 'GET', '/api/queue')).json).toEqual({ queue_running: [], queue_pending: [] });
    expect((await api(sim, 'GET', '/api/history/nope')).json).toEqual({});
    expect((await api(sim, 'GET', '/nothing-here')).status).toBe(404);
    expect((await api(sim, 'GET', '/interrupt')).status).toBe(405);
  });

  test('400 prompt_outputs_failed_validation: the error sits on the upstream loader, top-level details empty', async () => {
    const p = sd15Prompt();
    p['4'].inputs.ckpt_name = 'missing.safetensors';
    const r = await api(sim, 'POST', '/prompt', { prompt: p });
    expect(r.status).toBe(400);
    expect(r.json.error).toEqual({ type: 'prompt_outputs_failed_validation', message: 'Prompt outputs failed validation', details: '', extra_info: {} });
    expect(r.json.node_errors).toEqual({
      '4': {
        errors: [{ type: 'value_not_in_list', message: 'Value not in list', details: `ckpt_name: 'missing.safetensors' not in ['${SD15}']`, extra_info: { input_name: 'ckpt_name', input_config: [[SD15], { tooltip: 'The name of the checkpoint (model) to load.' }], received_value: 'missing.safetensors' } }],
        dependent_outputs: ['9'],
        class_type: 'CheckpointLoaderSimple',
      },
    });
  });

  test('unknown class, missing class_type, no outputs, no prompt, missing input, range, bad link; partial success is 200 + node_errors', async () => {
    const post = (body: unknown) => api(sim, 'POST', '/prompt', body);
    const unknown = sd15Prompt();
    (unknown as Record<string, unknown>)['12'] = { class_type: 'FooBarNode', inputs: {} };
    expect((await post({ prompt: unknown })).json.error).toEqual({ type: 'invalid_prompt', message: 'Cannot execute because node FooBarNode does not exist.', details: "Node ID '#12'", extra_info: {} });
    expect((await post({ prompt: { nodes: [], links: [] } })).json.error).toMatchObject({ type: 'invalid_prompt', message: 'Cannot execute because a node is missing the class_type property.', details: "Node ID '#nodes'" });
    const noOut = sd15Prompt();
    delete noOut['9'];
    expect((await post({ prompt: noOut })).json.error.type).toBe('prompt_no_outputs');
    expect((await post({ client_id: 'x' })).json).toEqual({ error: { type: 'no_prompt', message: 'No prompt provided', details: 'No prompt provided', extra_info: {} }, node_errors: {} });
    const many = sd15Prompt();
    delete many['6'].inputs.text;
    many['5'].inputs.width = 99999;
    many['8'].inputs.vae = ['4', 2, 1];
    const r = await post({ prompt: many });
    expect(r.status).toBe(400);
    const types = Object.fromEntries(Object.entries(r.json.node_errors).map(([id, e]) => [id, (e as { errors: { type: string }[] }).errors.map((x) => x.type)]));
    expect(types).toEqual({ '6': ['required_input_missing'], '5': ['value_bigger_than_max'], '8': ['bad_linked_input'] });
    const partial = sd15Prompt(3, 'partial/ok');
    partial['10'] = { class_type: 'SaveImage', inputs: { filename_prefix: 'partial/bad', images: ['5', 0] } };
    const ok = await post({ prompt: partial });
    expect(ok.status).toBe(200);
    expect(ok.json.node_errors['10'].errors[0]).toMatchObject({ type: 'return_type_mismatch', details: 'images, received_type(LATENT) mismatch input_type(IMAGE)' });
    expect((await api(sim, 'POST', '/prompt', '{not json')).status).toBe(500);
  });

  test('/view path rules: 400 for .. or a leading /, 400 for an unknown type, 403 outside the folder, 404 missing', async () => {
    fs.mkdirSync(path.join(sim.dirs.output, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(sim.dirs.output, 'sub', 'a.png'), 'png');
    fs.writeFileSync(path.join(sim.dirs.temp, 't.png'), 'tmp');
    const view = (q: string) => api(sim, 'GET', `/view?${q}`).then((r) => r.status);
    expect(await view('filename=a.png&subfolder=sub&type=output')).toBe(200);
    expect(await view('filename=a.png&subfolder=sub')).toBe(200);
    expect(await view('filename=t.png [temp]')).toBe(200);
    expect(await view('filename=../a.png&subfolder=sub')).toBe(400);
    expect(await view('filename=/etc/passwd')).toBe(400);
    expect(await view('filename=a.png&type=models')).toBe(400);
    expect(await view('filename=passwd&subfolder=../../../../etc')).toBe(403);
    expect(await view('filename=passwd&subfolder=/etc')).toBe(403);
    expect(await view('filename=missing.png')).toBe(404);
    expect(await view('subfolder=sub')).toBe(404);
    expect(await view('filename=')).toBe(400);
  });

  test('/upload/image: keeps identical files, renames different ones, honours overwrite, refuses escapes, takes any file type', async () => {
    const up = async (name: string, content: string, fields: Record<string, string> = {}) => {
      const form = new FormData();
      form.append('image', new Blob([content]), name);
      for (const [k, v] of Object.entries(fields)) form.append(k, v);
      return api(sim, 'POST', '/upload/image', form);
    };
    expect((await up('photo.png', 'one')).json).toEqual({ name: 'photo.png', subfolder: '', type: 'input' });
    expect((await up('photo.png', 'one')).json.name).toBe('photo.png');
    expect((await up('photo.png', 'two')).json.name).toBe('photo (1).png');
    expect((await up('photo.png', 'three', { overwrite: 'true' })).json.name).toBe('photo.png');
    expect(fs.readFileSync(path.join(sim.dirs.input, 'photo.png'), 'utf8')).toBe('three');
    expect((await up('beat.json', '{"at":1}', { subfolder: 'hb' })).json).toEqual({ name: 'beat.json', subfolder: 'hb', type: 'input' });
    expect(fs.readFileSync(path.join(sim.dirs.input, 'hb', 'beat.json'), 'utf8')).toBe('{"at":1}');
    expect((await up('x.png', 'x', { subfolder: '../../outside' })).status).toBe(400);
    expect((await up('x.png', 'x', { type: 'weird' })).status).toBe(500);
  });

  test('request bodies over the limit get a plain-text 413', async () => {
    const small = await startComfySim({ maxUploadBytes: 1000 });
    const r = await api(small, 'POST', '/prompt', JSON.stringify({ prompt: { pad: 'x'.repeat(2000) } }));
    expect(r.status).toBe(413);
    expect(r.text).toMatch(/Maximum request body size 1000 exceeded/);
    await small.close();
  });
});

describe('crash, restart, slow start, websocket faults', () => {
  test('a crash loses queue and history, keeps output files, clears temp; numbering continues after them', async () => {
    const sim = await simWithModel({ msPerStep: 20 });
    const tap = new WsTap(wsUrl(sim, 'r'));
    await tap.opened;
    const first = (await api(sim, 'POST', '/prompt', { prompt: sd15Prompt(1, 'r/x'), client_id: 'r' })).json.prompt_id;
    await tap.waitFor((f) => f.type === 'executing' && f.data.node === null && f.data.prompt_id === first);
    const slow = sd15Prompt(2, 'r/x');
    slow['3'].inputs.steps = 100;
    const lost = (await api(sim, 'POST', '/prompt', { prompt: slow, client_id: 'r' })).json.prompt_id;
    const queued = (await api(sim, 'POST', '/prompt', { prompt: sd15Prompt(3, 'r/x'), client_id: 'r' })).json.prompt_id;
    await tap.waitFor((f) => f.type === 'progress' && f.data.prompt_id === lost);
    fs.writeFileSync(path.join(sim.dirs.temp, 'preview.png'), 'x');
    await sim.crash();
    await expect(fetch(`${sim.url}/system_stats`)).rejects.toThrow();
    await sim.start();
    expect(fs.existsSync(path.join(sim.dirs.temp, 'preview.png'))).toBe(false);
    for (const id of [first, lost, queued]) expect((await api(sim, 'GET', `/history/${id}`)).json).toEqual({});
    expect((await api(sim, 'GET', '/queue')).json).toEqual({ queue_running: [], queue_pending: [] });
    const after = (await api(sim, 'POST', '/prompt', { prompt: sd15Prompt(4, 'r/x') })).json;
    expect(after.number).toBe(0); // the priority counter restarted too
    await new Promise((r) => setTimeout(r, 400));
    expect((await api(sim, 'GET', `/history/${after.prompt_id}`)).json[after.prompt_id].outputs['9'].images[0].filename).toBe('x_00002_.png');
    tap.close();
    await sim.close();
  });

  test('slow start: the proxy answers 502 until ComfyUI listens; plain ComfyUI refuses connections', async () => {
    const proxied = await startComfySim({ token: 'slow-token-123456', startDelayMs: 300 });
    expect((await api(proxied, 'GET', '/system_stats')).status).toBe(502);
    await new Promise((r) => setTimeout(r, 350));
    expect((await api(proxied, 'GET', '/system_stats')).status).toBe(200);
    await proxied.close();
    const plain = await startComfySim({ startDelayMs: 300 });
    await expect(fetch(`${plain.url}/system_stats`)).rejects.toThrow();
    await plain.close();
  });

  test('reconnecting with the same clientId can lose the new socket\'s events (server.py pops the id when the old one closes)', async () => {
    const sim = await simWithModel({ msPerStep: 5 });
    const old = new WsTap(wsUrl(sim, 'same'));
    await old.opened;
    const fresh = new WsTap(wsUrl(sim, 'same'));
    await fresh.opened;
    await new Promise<void>((resolve) => {
      old.ws.once('close', () => resolve());
      old.ws.close();
    });
    await new Promise((r) => setTimeout(r, 30));
    const id = (await api(sim, 'POST', '/prompt', { prompt: sd15Prompt(9, 'same/x'), client_id: 'same' })).json.prompt_id;
    await new Promise((r) => setTimeout(r, 300));
    expect((await api(sim, 'GET', `/history/${id}`)).json[id].status.status_str).toBe('success');
    expect(fresh.frames.filter((f) => f.data.prompt_id === id)).toEqual([]);
    fresh.close();
    await sim.close();
  });

  test('a silent websocket stays open but delivers nothing; a drop mid-render closes every socket', async () => {
    const sim = await simWithModel({ msPerStep: 5 });
    const tap = new WsTap(wsUrl(sim, 'quiet'));
    await tap.opened;
    sim.app!.hub.silent = true;
    const id = (await api(sim, 'POST', '/prompt', { prompt: sd15Prompt(10, 'quiet/x'), client_id: 'quiet' })).json.prompt_id;
    await new Promise((r) => setTimeout(r, 200));
    expect(tap.frames.filter((f) => f.data.prompt_id === id)).toEqual([]);
    expect(tap.ws.readyState).toBe(tap.ws.OPEN);
    sim.app!.hub.silent = false;
    sim.workerFaults.dropWsAtStep = 2;
    const closed = new Promise((r) => tap.ws.once('close', r));
    await api(sim, 'POST', '/prompt', { prompt: sd15Prompt(11, 'quiet/x'), client_id: 'quiet' });
    await closed;
    await sim.close();
  });
});

test('the machine factory (ComfyFactory of machine-host) runs one simulator per machine behind its token', async () => {
  const { startComfySimMachine } = await import('../../../src/sim/comfyui');
  const running = await startComfySimMachine({ host: '127.0.0.1', port: 0, token: 'machine-token-abcdef', machineId: 'm-1' });
  const stats = await fetch(`${running.url}/system_stats`, { headers: { authorization: 'Bearer machine-token-abcdef' } });
  expect(stats.status).toBe(200);
  expect(((await stats.json()) as { devices: { name: string }[] }).devices[0].name).toContain('m-1');
  expect((await fetch(`${running.url}/system_stats`)).status).toBe(401);
  expect(fs.existsSync(running.outputDir!)).toBe(true);
  await running.close();
  expect(fs.existsSync(running.outputDir!)).toBe(false);
});
