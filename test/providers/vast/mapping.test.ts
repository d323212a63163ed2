import type { HttpFailure } from '../../../providers/http';
import type { VastInstance } from '../../../providers/vast/api';
import { toMachine } from '../../../providers/vast/machine';
import { gpuName as normalizeGpuName, machineStatus, translate, vastNamesFor } from '../../../providers/vast/mapping';
import { DEFAULT_MIN_INTERVAL_SECONDS, deriveV1Url, parseRateLimits, settingsFromConfig } from '../../../providers/vast/settings';

describe('GPU names', () => {
  test.each([
    ['RTX 4090', 24564, 'RTX 4090'],
    ['RTX_3090', 24576, 'RTX 3090'],
    ['RTX A4000', 16376, 'RTX A4000'],
    ['A100 SXM4', 81920, 'A100 80GB'],
    ['A100 PCIE', 40960, 'A100 40GB'],
    ['A100X', 81920, 'A100 80GB'],
    ['H100 SXM', 81559, 'H100 80GB'],
    ['H100 PCIE', 81559, 'H100 80GB'],
    ['H100 NVL', 95830, 'H100 NVL'],
    ['RTX 6000Ada', 49140, 'RTX 6000 Ada'],
    ['Tesla V100', 16384, 'V100 16GB'],
    ['Tesla V100', 32768, 'V100 32GB'],
    ['Q RTX 8000', 49152, 'Quadro RTX 8000'],
    ['L40S', 46068, 'L40S'],
    ['A10', 24576, 'A10'],
    ['  RTX  5090 ', 32607, 'RTX 5090'],
  ])('%s (%i MB) → %s', (vast, mb, normalized) => {
    expect(normalizeGpuName(vast, mb)).toBe(normalized);
  });

  test('a normalized name asks the search for every Vast spelling of it', () => {
    expect(vastNamesFor('A100 80GB').sort()).toEqual(['A100 80GB', 'A100 PCIE', 'A100 SXM', 'A100 SXM4', 'A100X'].sort());
    expect(vastNamesFor('RTX 6000 Ada')).toEqual(['RTX 6000Ada', 'RTX 6000 Ada']);
    expect(vastNamesFor('RTX 4090')).toEqual(['RTX 4090']);
  });
});

describe('status', () => {
  const s = (actual: string | null, intended = 'running', msg: string | null = null) => machineStatus({ actual_status: actual, intended_status: intended, status_msg: msg });
  test.each([
    [null, 'running', null, 'pending'],
    ['scheduling', 'running', null, 'pending'],
    ['loading', 'running', null, 'booting'],
    ['created', 'running', null, 'booting'],
    ['created', 'running', 'Error response from daemon: OCI runtime create failed: ...', 'failed'],
    ['running', 'running', null, 'running'],
    ['running', 'stopped', null, 'stopping'],
    ['exited', 'stopped', null, 'stopped'],
    ['exited', 'running', null, 'failed'],
    ['unknown', 'running', null, 'failed'],
    ['offline', 'running', null, 'failed'],
    ['destroyed', 'running', null, 'terminated'],
    ['something-new', 'running', null, 'booting'],
  ])('actual %s, intended %s, msg %s → %s', (actual, intended, msg, expected) => {
    expect(s(actual, intended, msg)).toBe(expected);
  });
});

describe('toMachine', () => {
  const base: VastInstance = {
    id: 883,
    actual_status: 'running',
    intended_status: 'running',
    label: 'gpuburst-abc',
    public_ipaddr: '63.135.50.11 \n',
    ports: { '22/tcp': [{ HostIp: '0.0.0.0', HostPort: '10882' }], '8188/tcp': [{ HostIp: '0.0.0.0', HostPort: '41234' }] },
    extra_env: [['WEB_TOKEN', 'secret-token'], ['-p 8188:8188', '1'], ['GPUBURST_SESSION', 'sess-1']],
    gpu_name: 'A100 SXM4',
    gpu_ram: 81920,
    num_gpus: 1,
    dph_total: 1.0020740740740741,
    storage_cost: 0.15,
    disk_space: 40,
    geolocation: 'Washington, US',
    start_date: 1761008618.225083,
  };

  test('a running instance: endpoint from the trimmed IP and the 8188 HostPort, session from extra_env', () => {
    const m = toMachine(base, 8188);
    expect(m).toMatchObject({ id: '883', name: 'gpuburst-abc', sessionId: 'sess-1', status: 'running', providerStatus: 'running', gpu: 'A100 80GB', gpuCount: 1, region: 'Washington, US' });
    expect(m.endpoint).toBe('http://63.135.50.11:41234');
    expect(m.usdPerHour).toBeCloseTo(1.002074, 5);
    expect(m.createdAt).toBe(new Date(1761008618225).toISOString());
    expect(JSON.stringify(m)).not.toContain('secret-token');
  });

  test('no endpoint until running, nor without the 8188 mapping', () => {
    expect(toMachine({ ...base, actual_status: 'loading', ports: undefined }, 8188).endpoint).toBeUndefined();
    expect(toMachine({ ...base, ports: { '22/tcp': [{ HostIp: '0.0.0.0', HostPort: '1' }], '8188/tcp': null } }, 8188).endpoint).toBeUndefined();
  });

  test('a stopped instance bills its disk only; extra_env as the SDK dict also works', () => {
    const m = toMachine({ ...base, actual_status: 'exited', intended_status: 'stopped', extra_env: { GPUBURST_SESSION: 's2' } }, 8188);
    expect(m.status).toBe('stopped');
    expect(m.usdPerHour).toBeCloseTo((40 * 0.15) / 720, 8);
    expect(m.sessionId).toBe('s2');
  });

  test('a failure carries the status message', () => {
    expect(toMachine({ ...base, actual_status: 'exited', status_msg: 'container crashed\n' }, 8188).message).toBe('container crashed');
  });
});

describe('translate', () => {
  const f = (status: number, data: unknown, method: HttpFailure['method'] = 'GET', path = '/instances/1/', retryAfterSeconds?: number): HttpFailure => ({ status, headers: {}, data, method, path, retryAfterSeconds });

  test.each([
    [f(401, { success: false, error: 'auth_error', msg: 'Invalid user key' }), 'ERR_AUTH'],
    [f(404, { success: false, msg: 'Invalid user key' }, 'POST', '/bundles/'), 'ERR_AUTH'],
    [f(403, { success: false, error: 'forbidden', msg: 'no' }), 'ERR_AUTH'],
    [f(403, { success: false, error: 'invalid_args', msg: 'error 403/3586: Offer 1 is not your own.' }, 'PUT', '/asks/1/'), 'ERR_BAD_INPUT'],
    [f(404, { success: false, error: 'invalid_args', msg: 'error 404/3603: no_such_ask Instance type by id 1 is not available.' }, 'PUT', '/asks/1/'), 'ERR_CAPACITY'],
    [f(410, { success: false, error: 'no_such_ask', msg: 'error 410/3907: no_such_ask Instance type 1 is no longer available.' }, 'PUT', '/asks/1/'), 'ERR_CAPACITY'],
    [f(400, { success: false, error: 'invalid_price', msg: 'bid too low', new_contract: 77 }, 'PUT', '/asks/1/'), 'ERR_CAPACITY'],
    [f(404, { success: false, error: 'not_found', msg: 'Instance not found' }, 'DELETE'), 'ERR_NOT_FOUND'],
    [f(404, { success: false, error: 'no_such_instance' }, 'DELETE'), 'ERR_NOT_FOUND'],
    [f(404, '<h1>Not Found</h1>', 'DELETE'), 'ERR_PROVIDER'],
    [f(400, { success: false, error: 'invalid_args', msg: 'invalid instance_id' }, 'DELETE'), 'ERR_BAD_INPUT'],
    [f(400, { success: false, error: 'insufficient_credit', msg: 'Your credit balance is too low' }, 'PUT', '/asks/1/'), 'ERR_PROVIDER'],
    [f(500, 'Internal Server Error'), 'ERR_TRANSIENT'],
    [f(503, { detail: 'unavailable' }), 'ERR_TRANSIENT'],
    [f(429, 'API requests too frequent'), 'ERR_RATE_LIMIT'],
  ])('%#: %j → %s', (failure, code) => {
    const err = translate(failure);
    expect(err.code).toBe(code);
    expect(err.provider).toBe('vast');
    expect(err.message.startsWith('vast: ')).toBe(true);
    expect(err.message).not.toContain('\n');
  });

  test('429 without Retry-After: wait the threshold named in the body, else the endpoint\'s known interval', () => {
    const fromBody = translate(f(429, { detail: 'API requests too frequent endpoint threshold=4.5' }, 'PUT', '/asks/3/')) as unknown as { retryAfterSeconds?: number };
    expect(fromBody.retryAfterSeconds).toBe(4.5);
    const fromTable = translate(f(429, 'API requests too frequent', 'DELETE', '/instances/9/'), { ...DEFAULT_MIN_INTERVAL_SECONDS, destroy: 7 }) as unknown as { retryAfterSeconds?: number };
    expect(fromTable.retryAfterSeconds).toBe(7);
    const v1 = translate(f(429, 'API requests too frequent', 'GET', '/v1/instances/'), { ...DEFAULT_MIN_INTERVAL_SECONDS, list: 1.5 }) as unknown as { retryAfterSeconds?: number };
    expect(v1.retryAfterSeconds).toBe(1.5);
    const header = translate(f(429, 'x', 'GET', '/instances/1/', 9)) as unknown as { retryAfterSeconds?: number };
    expect(header.retryAfterSeconds).toBe(9);
  });

  test('a refused create that left a contract names it, so it can be destroyed', () => {
    expect(translate(f(400, { success: false, error: 'invalid_price', new_contract: 77 }, 'PUT', '/asks/1/')).machineId).toBe('77');
  });
});

describe('settings', () => {
  test('v1 URL derives from the v0 base and can be set', () => {
    expect(deriveV1Url('https://console.vast.ai/api/v0')).toBe('https://console.vast.ai/api/v1');
    expect(deriveV1Url('http://127.0.0.1:5000/custom')).toBe('http://127.0.0.1:5000/api/v1');
    const s = settingsFromConfig({ baseUrl: 'http://x/api/v0/', apiKey: 'k', extra: { API_V1_URL: 'http://y/v1/' } });
    expect([s.v0Url, s.v1Url]).toEqual(['http://x/api/v0', 'http://y/v1']);
  });

  test('rate limits: documented defaults, off, or overrides; bad values are refused', () => {
    const read = (RATE_LIMITS?: string) => settingsFromConfig({ baseUrl: 'http://x/api/v0', apiKey: 'k', extra: { RATE_LIMITS } }).minIntervalSeconds;
    expect(read()).toEqual({ search: 6, create: 4.5, show: 2, manage: 1, destroy: 3, list: 1 });
    expect(Object.values(read('off')).every((v) => v === 0)).toBe(true);
    expect(read('{"create":9}').create).toBe(9);
    expect(parseRateLimits('{"nope":1}')).toBeUndefined();
    expect(() => read('{"nope":1}')).toThrow(/GPUBURST_VAST_RATE_LIMITS="\{"nope":1\}" is not accepted; expected "off" or JSON/);
    expect(() => read('fast')).toThrow(/RATE_LIMITS/);
    expect(() => settingsFromConfig({ baseUrl: 'http://x/api/v0', apiKey: 'k', extra: { MAX_RETRIES: 'many' } })).toThrow(/MAX_RETRIES/);
  });
});
