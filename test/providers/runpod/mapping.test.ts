/** RunPod words → gpuburst's: statuses, GPU names, error translation, offer ids, the container start command. */
import { execFileSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { gpuName, graphqlError, machineStatus, translate } from '../../../providers/runpod/mapping';
import { encodeOfferId, parseOfferId } from '../../../providers/runpod/offers';
import { createBody, containerArgs } from '../../../providers/runpod/machine';
import type { HttpFailure } from '../../../providers/http';

test.each([
  ['PROVISIONING', 'pending'],
  ['STARTING', 'booting'],
  ['RUNNING', 'running'],
  ['EXITED', 'stopped'],
  ['ERROR', 'failed'],
  ['TERMINATED', 'terminated'],
  ['SOMETHING_NEW', 'failed'],
])('status %s → %s', (word, status) => expect(machineStatus(word)).toBe(status));

test.each([
  ['NVIDIA GeForce RTX 4090', 24, 'RTX 4090'],
  ['NVIDIA GeForce RTX 3090', 24, 'RTX 3090'],
  ['NVIDIA RTX A4000', 16, 'RTX A4000'],
  ['NVIDIA  RTX A4500', 20, 'RTX A4500'],
  ['NVIDIA RTX A5000', 24, 'RTX A5000'],
  ['NVIDIA RTX A6000', 48, 'RTX A6000'],
  ['NVIDIA RTX 6000 Ada Generation', 48, 'RTX 6000 Ada'],
  ['NVIDIA L40S', 48, 'L40S'],
  ['NVIDIA A100 80GB PCIe', 80, 'A100 80GB'],
  ['NVIDIA A100-SXM4-80GB', 80, 'A100 80GB'],
  ['NVIDIA H100 80GB HBM3', 80, 'H100 80GB'],
  ['NVIDIA H100 PCIe', 80, 'H100 80GB'],
  ['NVIDIA GeForce RTX 4080 SUPER', 16, 'RTX 4080 SUPER'],
  ['Tesla V100-SXM2-32GB', 32, 'V100 32GB'],
  ['Tesla T4', 16, 'T4'],
  ['AMD Instinct MI300X OAM', 192, 'MI300X'],
])('GPU %s → %s', (id, memory, name) => expect(gpuName(id, memory)).toBe(name));

function failure(status: number, data: unknown, extra: Partial<HttpFailure> = {}): HttpFailure {
  return { status, headers: {}, data, method: 'POST', path: '/v2/pods', ...extra };
}
const problem = (status: number, detail: string) => ({ title: 'x', status, detail });

test.each([
  [401, problem(401, 'missing bearer token'), 'ERR_AUTH'],
  [403, problem(403, 'access denied'), 'ERR_AUTH'],
  [400, problem(400, 'There are no longer any instances available with the requested specifications. Please refresh and try again.'), 'ERR_CAPACITY'],
  [400, problem(400, 'this GPU and data center combination could not be placed'), 'ERR_CAPACITY'],
  [400, problem(400, 'request could not be processed'), 'ERR_BAD_INPUT'],
  [402, problem(402, 'insufficient balance'), 'ERR_PROVIDER'],
  [404, problem(404, 'pod not found'), 'ERR_NOT_FOUND'],
  [409, problem(409, 'action not valid'), 'ERR_PROVIDER'],
  [422, problem(422, 'Request validation failed.'), 'ERR_BAD_INPUT'],
  [429, problem(429, 'rate limit exceeded for the minute window'), 'ERR_RATE_LIMIT'],
  [500, 'internal error', 'ERR_TRANSIENT'],
  [503, undefined, 'ERR_TRANSIENT'],
])('HTTP %i → %s', (status, data, code) => {
  const err = translate(failure(status, data));
  expect(err.code).toBe(code);
  expect(err.provider).toBe('runpod');
  expect(err.message.startsWith('runpod: ')).toBe(true);
  expect(err.message).not.toMatch(/\n/);
});

test('the capacity matcher is configurable (GPUBURST_RUNPOD_CAPACITY_MATCH)', () => {
  const f = failure(400, problem(400, 'pool drained'));
  expect(translate(f).code).toBe('ERR_BAD_INPUT');
  expect(translate(f, { capacityMatch: /pool drained/ }).code).toBe('ERR_CAPACITY');
});

test('errors on a pod path carry the machine id; 429 keeps Retry-After', () => {
  expect(translate(failure(404, problem(404, 'pod not found'), { method: 'GET', path: '/v2/pods/abc123' })).machineId).toBe('abc123');
  expect(translate(failure(429, problem(429, 'x'), { retryAfterSeconds: 12 }))).toMatchObject({ retryAfterSeconds: 12 });
});

test('GraphQL errors (HTTP 200): Unauthorized → auth, capacity sentence → capacity, else provider', () => {
  expect(graphqlError([{ message: 'Unauthorized' }]).code).toBe('ERR_AUTH');
  expect(graphqlError([{ message: 'There are no longer any instances available with the request specifications. Please try again later.' }]).code).toBe('ERR_CAPACITY');
  expect(graphqlError([{ message: 'Something went wrong. Please try again later or contact support.' }]).code).toBe('ERR_PROVIDER');
});

test('offer ids round-trip and reject what is not a RunPod offer', () => {
  const ref = { gpuTypeId: 'NVIDIA  RTX A4500', cloud: 'COMMUNITY' as const, count: 2, spot: true };
  expect(parseOfferId(encodeOfferId(ref))).toEqual(ref);
  for (const bad of ['123456', 'NVIDIA L40S|ALL|1', 'NVIDIA L40S|SECURE|0', 'NVIDIA L40S|SECURE|1|bid']) {
    expect(() => parseOfferId(bad)).toThrow(expect.objectContaining({ code: 'ERR_BAD_INPUT' }));
  }
});

const baseSpec = { name: 'gpuburst-x', sessionId: 's', offerId: '', image: 'img', env: {}, ports: [], diskGb: 10 };

test('create body refuses RUNPOD_* env (RunPod injects those) and names without the prefix', () => {
  const ref = parseOfferId('NVIDIA L40S|SECURE|1');
  expect(() => createBody({ ...baseSpec, env: { RUNPOD_API_KEY: 'k' } }, ref)).toThrow(expect.objectContaining({ code: 'ERR_BAD_INPUT' }));
  expect(() => createBody({ ...baseSpec, name: 'mine' }, ref)).toThrow(expect.objectContaining({ code: 'ERR_BAD_INPUT' }));
  expect(() => containerArgs({ bootScript: 'echo' })).toThrow(expect.objectContaining({ code: 'ERR_BAD_INPUT' }));
  expect(containerArgs({})).toBeUndefined();
});

test('the args run the boot script (quotes, newlines and all) and then exec the image start command', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-rp-'));
  try {
    const marker = path.join(dir, 'boot');
    const bootScript = `#!/bin/bash\necho "it's \\"booted\\" $((1+1))" > '${marker}'\n`;
    const args = containerArgs({ bootScript, imageStartCommand: `echo 'image started'` })!;
    // RunPod hands `args` to the container as its command; a shell reading the words is the closest stand-in.
    const out = execFileSync('sh', ['-c', args], { encoding: 'utf8' });
    expect(out.trim()).toBe('image started');
    expect(fs.readFileSync(marker, 'utf8').trim()).toBe(`it's "booted" 2`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
