import type { HttpFailure } from '../../../providers/http';
import { gpuInfo, machineStatus, translate } from '../../../providers/lambda/mapping';

describe('gpuInfo', () => {
  test.each([
    ['gpu_1x_a10', 'A10 (24 GB PCIe)', 1, { gpu: 'A10', gpuCount: 1, vramGb: 24 }],
    ['gpu_1x_a100_sxm4', 'A100 (40 GB SXM4)', 1, { gpu: 'A100 40GB', gpuCount: 1, vramGb: 40 }],
    ['gpu_1x_a100', '', undefined, { gpu: 'A100 40GB', gpuCount: 1, vramGb: 40 }],
    ['gpu_8x_a100_80gb_sxm4', 'A100 (80 GB SXM4)', 8, { gpu: 'A100 80GB', gpuCount: 8, vramGb: 80 }],
    ['gpu_8x_h100_sxm5', 'H100 (80 GB SXM5)', 8, { gpu: 'H100 80GB', gpuCount: 8, vramGb: 80 }],
    ['gpu_8x_h100_sxm5gdr', 'H100 (80 GB SXM5)', 8, { gpu: 'H100 80GB', gpuCount: 8, vramGb: 80 }],
    ['gpu_1x_h100_pcie', 'H100 (80 GB PCIe)', 1, { gpu: 'H100 80GB', gpuCount: 1, vramGb: 80 }],
    ['gpu_1x_a6000', 'A6000 (48 GB)', 1, { gpu: 'RTX A6000', gpuCount: 1, vramGb: 48 }],
    ['gpu_1x_rtx6000', 'RTX 6000 (24 GB)', 1, { gpu: 'Quadro RTX 6000', gpuCount: 1, vramGb: 24 }],
    ['gpu_8x_v100', 'Tesla V100 (16 GB)', 8, { gpu: 'V100 16GB', gpuCount: 8, vramGb: 16 }],
    ['gpu_1x_gh200', 'GH200 (96 GB)', 1, { gpu: 'GH200', gpuCount: 1, vramGb: 96 }],
    ['gpu_8x_b200_sxm6', 'B200 (180 GB SXM6)', 8, { gpu: 'B200', gpuCount: 8, vramGb: 180 }],
    // A type the table does not know: the description's GPU part.
    ['gpu_1x_l40s', 'NVIDIA L40S (48 GB PCIe)', 1, { gpu: 'L40S', gpuCount: 1, vramGb: 48 }],
    // An A100 whose description says 80 GB is named by its memory.
    ['gpu_1x_a100_pcie', 'A100 (80 GB PCIe)', 1, { gpu: 'A100 80GB', gpuCount: 1, vramGb: 80 }],
  ])('%s → %j', (name, description, gpus, expected) => {
    expect(gpuInfo(name, description, gpus)).toEqual(expected);
  });

  test('CPU-only and unparseable types have no GPU', () => {
    expect(gpuInfo('cpu_4x_general', 'N/A', 0)).toBeUndefined();
    expect(gpuInfo('gpu_1x_mystery', '', 1)).toBeUndefined();
  });
});

describe('machineStatus', () => {
  test.each([
    ['booting', 'booting'],
    ['active', 'running'],
    ['unhealthy', 'running'],
    ['terminating', 'terminated'],
    ['terminated', 'terminated'],
    ['preempted', 'failed'],
    ['error', 'failed'],
    ['something-new', 'pending'],
  ])('%s → %s', (word, status) => {
    expect(machineStatus(word)).toBe(status);
  });
});

describe('translate', () => {
  const failure = (status: number, data: unknown, extra: Partial<HttpFailure> = {}): HttpFailure => ({
    status,
    headers: {},
    data,
    method: 'POST',
    path: '/instance-operations/launch',
    ...extra,
  });
  const envelope = (code: string, message = 'msg', suggestion?: string) => ({ error: suggestion ? { code, message, suggestion } : { code, message } });

  test.each([
    [401, 'global/invalid-api-key', 'ERR_AUTH', false],
    [403, 'global/account-inactive', 'ERR_AUTH', false],
    [403, 'global/forbidden', 'ERR_AUTH', false],
    [400, 'instance-operations/launch/insufficient-capacity', 'ERR_CAPACITY', false],
    [404, 'global/object-does-not-exist', 'ERR_NOT_FOUND', false],
    [400, 'global/object-does-not-exist', 'ERR_NOT_FOUND', false],
    [404, 'global/not-found', 'ERR_NOT_FOUND', false],
    [400, 'global/invalid-parameters', 'ERR_BAD_INPUT', false],
    [400, 'instance-operations/launch/file-system-in-wrong-region', 'ERR_BAD_INPUT', false],
    [400, 'global/quota-exceeded', 'ERR_PROVIDER', false],
    [403, 'global/invalid-address', 'ERR_PROVIDER', false],
    [409, 'global/conflict', 'ERR_PROVIDER', false],
    [409, 'global/internal-error', 'ERR_TRANSIENT', true],
    [503, 'provider/internal-unavailable', 'ERR_TRANSIENT', true],
    [500, 'global/unknown', 'ERR_TRANSIENT', true],
  ])('%i %s → %s', (status, code, expected, retryable) => {
    const err = translate(failure(status, envelope(code)));
    expect(err.code).toBe(expected);
    expect(err.retryable).toBe(retryable);
    expect(err.provider).toBe('lambda');
    expect(err.status).toBe(status);
    expect(err.message.startsWith('lambda: ')).toBe(true);
  });

  test('the auth error names the key variable, on one line', () => {
    const err = translate(failure(401, envelope('global/invalid-api-key', 'API key was invalid, expired, or deleted.')));
    expect(err.message).toBe('lambda: API key was rejected (global/invalid-api-key); check LAMBDA_API_KEY');
  });

  test('capacity keeps Lambda message and suggestion on one line, with the code', () => {
    const err = translate(failure(400, envelope('instance-operations/launch/insufficient-capacity', 'Not enough capacity\nto fulfill launch request.', 'Regions with capacity available: us-west-3')));
    expect(err.message).toBe(
      'lambda: Not enough capacity to fulfill launch request. Regions with capacity available: us-west-3 (instance-operations/launch/insufficient-capacity)',
    );
  });

  test('429 is a rate-limit error carrying Retry-After, whatever the body', () => {
    const err = translate(failure(429, 'Too Many Requests', { retryAfterSeconds: 3 }));
    expect(err.code).toBe('ERR_RATE_LIMIT');
    expect((err as { retryAfterSeconds?: number }).retryAfterSeconds).toBe(3);
  });

  test('the edge temporary-ban page is a rate limit', () => {
    expect(translate(failure(403, '<html>Cloudflare: you have been banned you temporarily</html>')).code).toBe('ERR_RATE_LIMIT');
  });

  test('bodies without the envelope fall back on the status', () => {
    expect(translate(failure(401, 'Unauthorized')).code).toBe('ERR_AUTH');
    expect(translate(failure(404, undefined)).code).toBe('ERR_NOT_FOUND');
    expect(translate(failure(502, '<html>bad gateway</html>')).code).toBe('ERR_TRANSIENT');
    expect(translate(failure(400, 'nope')).code).toBe('ERR_BAD_INPUT');
    expect(translate(failure(418, 'teapot')).code).toBe('ERR_PROVIDER');
  });
});
