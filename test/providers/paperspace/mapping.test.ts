/** Paperspace words → gpuburst words: states, machine types, stored names, error bodies (docs/reference/paperspace.md §2, §4, §7, §9). */
import type { HttpFailure } from '../../../providers/http';
import { judgeOff, toMachine } from '../../../providers/paperspace/machine';
import {
  gpuOfMachineType,
  isErrorBody,
  machineStatus,
  parseMachineName,
  providerMachineName,
  translate,
} from '../../../providers/paperspace/mapping';
import { parseOfferId } from '../../../providers/paperspace/offers';
import { readPaperspaceSettings } from '../../../providers/paperspace/settings';
import type { PsEvent, PsMachine } from '../../../providers/paperspace/api';

test.each([
  ['provisioning', 'pending'],
  ['starting', 'booting'],
  ['serviceready', 'booting'],
  ['serviceReady', 'booting'],
  ['restarting', 'booting'],
  ['upgrading', 'booting'],
  ['ready', 'running'],
  ['READY', 'running'],
  ['stopping', 'stopping'],
  ['off', 'stopped'],
  ['something-new', 'pending'],
])('state %s → %s', (state, status) => {
  expect(machineStatus(state)).toBe(status);
});

test.each([
  ['A4000', 'RTX A4000', 1, 16],
  ['A4000x4', 'RTX A4000', 4, 16],
  ['A100-80G', 'A100 80GB', 1, 80],
  ['A100-80Gx8', 'A100 80GB', 8, 80],
  ['A100', 'A100 40GB', 1, 40],
  ['H100', 'H100 80GB', 1, 80],
  ['H100x8', 'H100 80GB', 8, 80],
  ['P4000', 'Quadro P4000', 1, 8],
  ['P4000x2', 'Quadro P4000', 2, 8],
  ['V100-32Gx2', 'V100 32GB', 2, 32],
  ['GPU+', 'Quadro M4000', 1, 8],
  ['A6000', 'RTX A6000', 1, 48],
])('machine type %s → %s × %d (%d GB)', (type, gpu, gpuCount, vramGb) => {
  expect(gpuOfMachineType(type)).toEqual({ gpu, gpuCount, vramGb });
});

test('CPU and unknown machine types have no GPU', () => {
  expect(gpuOfMachineType('C5')).toBeUndefined();
  expect(gpuOfMachineType('X9000')).toBeUndefined();
});

describe('stored names carry the session id', () => {
  test('a name in the session format is stored as is and parsed back', () => {
    expect(providerMachineName('gpuburst-20261105-ab12-x7k2', '20261105-ab12')).toBe('gpuburst-20261105-ab12-x7k2');
    expect(parseMachineName('gpuburst-20261105-ab12-x7k2')).toEqual({ name: 'gpuburst-20261105-ab12-x7k2', sessionId: '20261105-ab12' });
  });

  test('any other name gets a ~<session> marker, parsed back to the spec name and session', () => {
    const stored = providerMachineName('gpuburst-ct-abcd', 'ct-session');
    expect(stored).toBe('gpuburst-ct-abcd~ct-session');
    expect(parseMachineName(stored)).toEqual({ name: 'gpuburst-ct-abcd', sessionId: 'ct-session' });
  });

  test('a name with no session part has no session', () => {
    expect(parseMachineName('gpuburst-lonely').sessionId).toBeUndefined();
  });

  test('names without the prefix or with the marker character are refused', () => {
    expect(() => providerMachineName('render-1', 's')).toThrow(expect.objectContaining({ code: 'ERR_BAD_INPUT' }));
    expect(() => providerMachineName('gpuburst-a~b', 's')).toThrow(expect.objectContaining({ code: 'ERR_BAD_INPUT' }));
  });
});

const failure = (status: number, data: unknown, extra: Partial<HttpFailure> = {}): HttpFailure => ({ status, headers: {}, data, method: 'GET', path: '/machines', ...extra });

test.each([
  [401, { code: 'UNAUTHORIZED', message: 'Invalid API key.' }, 'ERR_AUTH'],
  [403, { code: 'FORBIDDEN', message: 'nope' }, 'ERR_AUTH'],
  [429, { code: 'TOO_MANY_REQUESTS', message: 'slow down' }, 'ERR_RATE_LIMIT'],
  [404, { code: 'NOT_FOUND', message: 'Machine ps1 not found' }, 'ERR_NOT_FOUND'],
  [500, { code: 'INTERNAL_SERVER_ERROR', message: 'boom' }, 'ERR_TRANSIENT'],
  [503, 'Service Unavailable', 'ERR_TRANSIENT'],
  [408, { code: 'TIMEOUT', message: 'timeout' }, 'ERR_TRANSIENT'],
  [400, { code: 'BAD_REQUEST', message: 'Invalid disk size 40', details: {} }, 'ERR_BAD_INPUT'],
  [400, { code: 'PARSE_ERROR', message: 'bad json' }, 'ERR_BAD_INPUT'],
  [400, { code: 'BAD_REQUEST', message: 'This machine is currently starting.' }, 'ERR_PROVIDER'],
  [409, { code: 'CONFLICT', message: 'conflict' }, 'ERR_PROVIDER'],
  [400, { code: 'BAD_REQUEST', message: "This machine type can't start due to insufficient capacity or higher than normal demand." }, 'ERR_CAPACITY'],
  [412, { code: 'PRECONDITION_FAILED', message: 'account not in good standing' }, 'ERR_PROVIDER'],
])('HTTP %d %j → %s', (status, body, code) => {
  const err = translate(failure(status, body));
  expect(err.code).toBe(code);
  expect(err.provider).toBe('paperspace');
  expect(err.message.startsWith('paperspace')).toBe(true);
  expect(err.message).not.toContain('\n');
});

test('429 keeps Retry-After; the auth message names the key variable', () => {
  expect(translate(failure(429, {}, { retryAfterSeconds: 7 }))).toMatchObject({ retryAfterSeconds: 7 });
  expect(translate(failure(401, { code: 'UNAUTHORIZED', message: 'x' })).message).toContain('PAPERSPACE_API_KEY');
});

test('a 2xx body with only code and message is an error body; a machine is not', () => {
  expect(isErrorBody({ code: 'NOT_FOUND', message: 'gone' })).toBe(true);
  expect(isErrorBody({ code: 'BAD_REQUEST', message: 'x', details: {} })).toBe(true);
  expect(isErrorBody({ id: 'ps1', name: 'n', state: 'ready' })).toBe(false);
  expect(isErrorBody([])).toBe(false);
});

test('offer ids are "<machineType>@<region>"', () => {
  expect(parseOfferId('A4000@East Coast (NY2)')).toEqual({ machineType: 'A4000', region: 'East Coast (NY2)' });
  expect(() => parseOfferId('A4000')).toThrow(expect.objectContaining({ code: 'ERR_BAD_INPUT' }));
});

test('price overrides must be a JSON object of positive numbers', () => {
  const prices = (PRICES?: string) => readPaperspaceSettings({ baseUrl: 'http://x/v1', apiKey: 'k', extra: { PRICES } }).usdPerHour;
  expect(prices('{"A4000":0.8}').A4000).toBe(0.8);
  expect(prices(undefined).A4000).toBe(0.76);
  expect(() => prices('{"A4000":-1}')).toThrow(expect.objectContaining({ code: 'ERR_BAD_INPUT' }));
  expect(() => prices('nope')).toThrow(/GPUBURST_PAPERSPACE_PRICES="nope" is not accepted; expected a JSON object/);
});

describe('machine view', () => {
  const view = { comfyPort: 8188, usdPerHour: { A4000: 0.76 }, capacityPattern: /insufficient capacity/i };
  const pm = (extra: Partial<PsMachine>): PsMachine => ({ id: 'ps1', name: 'gpuburst-s1-abc', state: 'ready', machineType: 'A4000', region: 'East Coast (NY2)', publicIp: '1.2.3.4', usageRate: 0.76, ...extra });
  const event = (extra: Partial<PsEvent>): PsEvent => ({ id: 'e1', name: 'create', state: 'done', machineId: 'ps1', error: null, dtCreated: '2026-01-01T00:00:00Z', ...extra });

  test('ready with a public IP is running with http://{ip}:8188; without an IP it is still booting', () => {
    expect(toMachine(pm({}), view)).toMatchObject({ status: 'running', endpoint: 'http://1.2.3.4:8188', gpu: 'RTX A4000', gpuCount: 1, sessionId: 's1', usdPerHour: 0.76 });
    expect(toMachine(pm({ publicIp: null }), view)).toMatchObject({ status: 'booting', endpoint: undefined });
  });

  test('off costs no compute', () => {
    expect(toMachine(pm({ state: 'off', publicIp: null }), view)).toMatchObject({ status: 'stopped', usdPerHour: 0 });
  });

  test('off after an errored create is a failed placement; after a stop it is stopped', () => {
    const off = toMachine(pm({ state: 'off', publicIp: null }), view);
    const capacity = judgeOff(off, event({ state: 'error', error: 'Uh oh. This machine type can\'t start due to insufficient capacity or higher than normal demand.' }), view);
    expect(capacity).toMatchObject({ capacity: true, machine: { status: 'failed' } });
    expect(capacity.machine.message).toContain('insufficient capacity');
    expect(judgeOff(off, event({ state: 'error', error: 'disk image corrupt' }), view)).toMatchObject({ capacity: false, machine: { status: 'failed' } });
    expect(judgeOff(off, event({ state: 'done' }), view)).toMatchObject({ capacity: true, machine: { status: 'failed' } });
    expect(judgeOff(off, event({ name: 'start', state: 'in progress' }), view).machine.status).toBe('pending');
    expect(judgeOff(off, event({ name: 'stop', state: 'done' }), view)).toMatchObject({ capacity: false, machine: { status: 'stopped' } });
    expect(judgeOff(off, undefined, view).machine.status).toBe('stopped');
  });
});
