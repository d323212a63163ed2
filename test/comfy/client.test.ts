/**
 * The ComfyUI client over real sockets against the simulator: readiness, auth, both route prefixes and token
 * placements, typed errors for rejected prompts (node id and class), uploads, interrupt and free.
 */
import fs from 'fs';
import path from 'path';
import { AuthError, GpuburstError } from '../../providers/errors';
import { redact } from '../../providers/redact';
import { ComfyClient } from '../../src/comfy/client';
import { PromptValidationError } from '../../src/comfy/errors';
import type { ComfySim } from '../../src/sim/comfyui';
import { startComfySim } from '../../src/sim/comfyui';
import { clientFor, sd15Prompt, simWithModel, until } from './helpers';
import { startServer, TestServer } from '../providers/support/server';

const TOKEN = 'client-test-token-5b1f';
let sim: ComfySim;
beforeAll(async () => {
  sim = await simWithModel({ token: TOKEN, msPerStep: 5 });
});
afterAll(() => sim.close());

async function code(p: Promise<unknown>): Promise<GpuburstError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(GpuburstError);
    return err as GpuburstError;
  }
  throw new Error('expected an error');
}

test('ready with the token (header or ?token=, with or without /api); a wrong token is refused and never shown', async () => {
  for (const opts of [{}, { tokenIn: 'query' as const }, { tokenIn: 'both' as const, routePrefix: '/api' }]) {
    expect(await clientFor(sim, opts).isReady()).toBe(true);
  }
  const wrong = new ComfyClient({ baseUrl: sim.url, token: 'wrong-token-xyz' });
  const err = await code(wrong.systemStats());
  expect(err).toBeInstanceOf(AuthError);
  expect(err.message).toMatch(/login page \(302\)/);
  // A redirect is "not ready" (ai-dock's log viewer answers on ComfyUI's port while it syncs); the wait's timeout says why.
  expect(await wrong.isReady()).toBe(false);
  const timedOut = await code(wrong.waitUntilReady({ timeoutSeconds: 0.2, pollMs: 50 }));
  expect(timedOut.message).toMatch(/last answer: a redirect \(302\).*login page if the token is wrong/);
  const q = await code(new ComfyClient({ baseUrl: sim.url, token: 'wrong-token-xyz', tokenIn: 'query' }).systemStats());
  expect(q.message).not.toContain('wrong-token-xyz');
  expect(redact(`x?token=${TOKEN}`)).not.toContain(TOKEN);
});

test('waitUntilReady waits through a slow start and gives a typed error when the deadline passes', async () => {
  const slow = await startComfySim({ token: TOKEN, startDelayMs: 300 });
  const client = clientFor(slow);
  expect(await client.isReady()).toBe(false);
  await client.waitUntilReady({ timeoutSeconds: 5, pollMs: 50 });
  expect(await client.isReady()).toBe(true);
  await slow.crash();
  expect((await code(client.waitUntilReady({ timeoutSeconds: 0.2, pollMs: 50 }))).code).toBe('ERR_TRANSIENT');
  await slow.close();
});

test('a 400 becomes one PromptValidationError naming node id, class and problem', async () => {
  const client = clientFor(sim);
  const p = sd15Prompt();
  p['4'].inputs.ckpt_name = 'nope.safetensors';
  p['5'].inputs.width = 1;
  const err = (await code(client.queuePrompt(p))) as PromptValidationError;
  expect(err).toBeInstanceOf(PromptValidationError);
  expect(err.code).toBe('ERR_BAD_INPUT');
  expect(err.errorType).toBe('prompt_outputs_failed_validation');
  expect(err.problems).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ nodeId: '4', classType: 'CheckpointLoaderSimple', type: 'value_not_in_list', inputName: 'ckpt_name' }),
      expect.objectContaining({ nodeId: '5', classType: 'EmptyLatentImage', type: 'value_smaller_than_min', inputName: 'width' }),
    ]),
  );
  expect(err.message).toMatch(/node 4 \(CheckpointLoaderSimple\): Value not in list: ckpt_name: 'nope.safetensors' not in/);
  const unknown = sd15Prompt();
  unknown['12'] = { class_type: 'FooBarNode', inputs: {} };
  const e2 = (await code(client.queuePrompt(unknown))) as PromptValidationError;
  expect(e2.problems).toEqual([expect.objectContaining({ nodeId: '12', classType: 'FooBarNode', type: 'invalid_prompt' })]);
});

test('a 200 that still carries node_errors is an error, and the partly valid prompt is taken back off the server', async () => {
  // A slow render (4 steps of 1 s): the take-back must land before the valid half could finish, even on a busy CI box.
  const slow = await simWithModel({ token: TOKEN, msPerStep: 1000 });
  const client = clientFor(slow);
  const p = sd15Prompt(77, 'partial/ok');
  p['10'] = { class_type: 'SaveImage', inputs: { filename_prefix: 'partial/bad', images: ['5', 0] } };
  const err = (await code(client.queuePrompt(p))) as PromptValidationError;
  expect(err.problems).toEqual([expect.objectContaining({ nodeId: '10', classType: 'SaveImage', type: 'return_type_mismatch' })]);
  // An interrupt lands at the sampler's next step (as in ComfyUI): the prompt leaves the queue within one step.
  await until(async () => {
    const q = await client.queue();
    return q.running.length + q.pending.length === 0 || undefined;
  }, 'the prompt to leave the queue', 3000);
  expect(fs.existsSync(path.join(slow.dirs.output, 'partial'))).toBe(false);
  await slow.close();
});

test('queue → history → view, with the client id routing events and ComfyUI keeping our prompt_id', async () => {
  const client = clientFor(sim, { routePrefix: '/api' });
  const { promptId } = await client.queuePrompt(sd15Prompt(5, 'c/x'));
  expect(await client.knows(promptId)).toBe(true);
  const entry = await until(() => client.history(promptId), 'history');
  expect(entry.prompt[3]).toEqual({ client_id: client.clientId });
  const file = (entry.outputs['9'].images as { filename: string; subfolder: string; type: string }[])[0];
  const { body, bytes } = await client.view(file);
  const chunks: Buffer[] = [];
  await body.pipe((c) => chunks.push(Buffer.from(c))); // a copy: the chunk is the connection's read buffer
  const got = Buffer.concat(chunks);
  expect(got.length).toBe(bytes);
  expect(got.equals(fs.readFileSync(path.join(sim.dirs.output, file.subfolder, file.filename)))).toBe(true);
  expect(await client.history('unknown-id')).toBeUndefined();
});

test('uploads: an image into the input folder, and a small JSON file (heartbeat) through the same route', async () => {
  const client = clientFor(sim);
  const img = path.join(__dirname, '../../examples/inputs/harbour.png');
  expect(await client.upload({ filePath: img, name: 'h.png', overwrite: true })).toEqual({ name: 'h.png', subfolder: '', type: 'input' });
  expect(fs.readFileSync(path.join(sim.dirs.input, 'h.png'))).toEqual(fs.readFileSync(img));
  const beat = Buffer.from(JSON.stringify({ session: 's1', at: 123 }));
  expect(await client.upload({ data: beat, name: 'heartbeat.json', subfolder: 'gpuburst', overwrite: true })).toEqual({ name: 'heartbeat.json', subfolder: 'gpuburst', type: 'input' });
  expect(fs.readFileSync(path.join(sim.dirs.input, 'gpuburst', 'heartbeat.json'))).toEqual(beat);
});

test('interrupt stops the running prompt (history says error), free answers', async () => {
  const client = clientFor(sim);
  const slow = sd15Prompt(91, 'int/x');
  slow['3'].inputs.steps = 400;
  const { promptId } = await client.queuePrompt(slow);
  await until(async () => ((await client.queue()).running.includes(promptId) ? true : undefined), 'running');
  await client.interrupt(promptId);
  const entry = await until(() => client.history(promptId), 'history');
  expect(entry.status).toMatchObject({ status_str: 'error', completed: false });
  await client.free({ unloadModels: true, freeMemory: true });
});

describe('a ComfyUI that misbehaves on the wire', () => {
  let server: TestServer;
  beforeEach(async () => (server = await startServer()));
  afterEach(() => server.close());

  test('a /view body shorter than its Content-Length on a kept-open connection ends at the deadline, not never', async () => {
    // The stall behind the 4-pod session that never started rendering: status.json replaced between stat and read.
    server.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '210' });
      res.write('{"models":{}}'); // …and nothing more, connection open
    });
    const client = new ComfyClient({ baseUrl: server.url, token: TOKEN });
    const started = Date.now();
    const { body } = await client.view({ filename: 'status.json', subfolder: 'gpuburst', type: 'input' }, { retry: false, timeoutMs: 500 });
    const err = await body.pipe(() => undefined).catch((e: Error & { code?: string }) => e);
    // The body ends with the transport's body-timeout error (the pull path wraps it into a TransientError).
    expect((err as { code?: string }).code).toBe('UND_ERR_BODY_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  test('something other than ComfyUI at the address: a 404 naming the host and asking whether it is a ComfyUI', async () => {
    server.handle((_req, res) => {
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end('<html>File not found</html>');
    });
    const client = new ComfyClient({ baseUrl: server.url, token: TOKEN });
    const host = new URL(server.url).host;
    await expect(client.objectInfo()).rejects.toThrow(`ComfyUI at ${host} GET /object_info: not found (404); is the server at ${host} a ComfyUI?`);
  });

  test('a server that accepts and never answers: one-line TransientError naming the host', async () => {
    server.handle(() => undefined);
    const client = new ComfyClient({ baseUrl: server.url, token: TOKEN, timeoutMs: 300 });
    const err = await code(client.queue({ retry: false }));
    expect(err.message).toBe(`comfyui: no answer from 127.0.0.1:${server.port} within 0.3 s (GET /queue)`);
    expect(await client.isReady(300)).toBe(false);
  });

  test('an HTML page instead of JSON from /prompt is a TransientError, not a crash', async () => {
    server.handle((_req, res) => res.setHeader('content-type', 'text/html').end('<html><body>Bad gateway</body></html>'));
    const client = new ComfyClient({ baseUrl: server.url, token: TOKEN });
    const err = await code(client.queuePrompt(sd15Prompt(1)));
    expect(err.code).toBe('ERR_TRANSIENT');
    expect(err.message).toMatch(/answered text\/html: an HTML page instead of JSON/);
  });
});
