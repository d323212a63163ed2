/** The one settings reader: every provider's GPUBURST_<CLOUD>_* values are checked the same way. */
import { configFromEnv, createProvider } from '../../providers';
import { BadInputError } from '../../providers/errors';
import { readSettings, settings } from '../../providers/settings';
import type { CloudProviderName } from '../../providers/types';

const SHAPE = { RETRIES: settings.number(3, { min: 0, max: 10, integer: true }), NAMES: settings.list(['a']), MATCH: settings.pattern(/x/i) };

test('unset and empty values take the default; set values are typed', () => {
  expect(readSettings('vast', {}, SHAPE)).toMatchObject({ RETRIES: 3, NAMES: ['a'], MATCH: /x/i });
  expect(readSettings('vast', {}, SHAPE).TIMEOUT_MS).toBeUndefined();
  expect(readSettings('vast', { RETRIES: ' ', NAMES: '' }, SHAPE)).toMatchObject({ RETRIES: 3, NAMES: ['a'] });
  const s = readSettings('vast', { RETRIES: '7', NAMES: 'b, c', MATCH: 'no room', TIMEOUT_MS: '2500' }, SHAPE);
  expect([s.RETRIES, s.NAMES, s.MATCH.test('NO ROOM left'), s.TIMEOUT_MS]).toEqual([7, ['b', 'c'], true, 2500]);
});

test.each([
  [{ RETRIES: 'many' }, 'vast: GPUBURST_VAST_RETRIES="many" is not accepted; expected a whole number from 0 to 10'],
  [{ RETRIES: '11' }, 'vast: GPUBURST_VAST_RETRIES="11" is not accepted; expected a whole number from 0 to 10'],
  [{ RETRIES: '1.5' }, 'vast: GPUBURST_VAST_RETRIES="1.5" is not accepted; expected a whole number from 0 to 10'],
  [{ MATCH: '(unclosed' }, 'vast: GPUBURST_VAST_MATCH="(unclosed" is not accepted; expected a regular expression'],
  [{ TIMEOUT_MS: '0' }, 'vast: GPUBURST_VAST_TIMEOUT_MS="0" is not accepted; expected a number >= 1'],
  [{ API_URL: 'console.vast.ai' }, 'vast: GPUBURST_VAST_API_URL="console.vast.ai" is not accepted; expected an http(s) URL'],
])('a bad value is one line naming the variable and what it accepts: %j', (extra, message) => {
  const run = () => readSettings('vast', extra, SHAPE);
  expect(run).toThrow(BadInputError);
  expect(run).toThrow(message);
});

test('an unknown name under the prefix is refused, with the known ones listed (a typo is never ignored)', () => {
  expect(() => readSettings('runpod', { RETRYS: '2' }, SHAPE)).toThrow(/^runpod: GPUBURST_RUNPOD_RETRYS is not a setting of runpod; known: GPUBURST_RUNPOD_API_URL, .*GPUBURST_RUNPOD_RETRIES/);
});

/** One bad value per provider, through the registry as the CLI builds adapters: the same kind of error everywhere. */
test.each([
  ['runpod', 'GPUBURST_RUNPOD_MAX_RETRIES', 'lots', 'expected a whole number from 0 to 20'],
  ['runpod', 'GPUBURST_RUNPOD_CAPACITY_MATCH', '[', 'expected a regular expression'],
  ['vast', 'GPUBURST_VAST_MIN_RELIABILITY', '1.5', 'expected a number from 0 to 1'],
  ['vast', 'GPUBURST_VAST_RATE_LIMITS', 'fast', 'expected "off" or JSON'],
  ['lambda', 'GPUBURST_LAMBDA_ALLOW_CIDR', '10.0.0.300/8', 'expected IPv4 networks'],
  ['lambda', 'GPUBURST_LAMBDA_COMFY_PORT', '70000', 'expected a whole number from 1 to 65535'],
  ['paperspace', 'GPUBURST_PAPERSPACE_CAPACITY_PATTERN', '(', 'expected a regular expression'],
  ['paperspace', 'GPUBURST_PAPERSPACE_PAGE_LIMIT', '500', 'expected a whole number from 1 to 120'],
  ['paperspace', 'GPUBURST_PAPERSPACE_TIMEOUT_MS', 'soon', 'expected a number >= 1'],
] as [CloudProviderName, string, string, string][])('%s: %s=%s is a BadInputError', (provider, variable, value, accepts) => {
  const keyVar = { runpod: 'RUNPOD_API_KEY', vast: 'VAST_API_KEY', lambda: 'LAMBDA_API_KEY', paperspace: 'PAPERSPACE_API_KEY' }[provider];
  let error: unknown;
  try {
    createProvider(provider, configFromEnv(provider, { [keyVar]: 'settings-test-key', [variable]: value }));
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(BadInputError);
  const message = (error as Error).message;
  expect(message).toBe(`${provider}: ${variable}="${value}" is not accepted; ${message.split('; ').slice(1).join('; ')}`);
  expect(message).toContain(accepts);
  expect(message).not.toContain('\n');
});

test('local reads its ComfyUI URLs through the same reader', () => {
  expect(() => createProvider('local', { baseUrl: '', apiKey: '', extra: { COMFY_URLS: 'http://127.0.0.1:8188', PORT: '1' } })).toThrow(
    /local: GPUBURST_LOCAL_PORT is not a setting of local/,
  );
});

test('the RunPod proxy template must name the pod', () => {
  const config = (PROXY_URL: string) => configFromEnv('runpod', { RUNPOD_API_KEY: 'settings-test-key', GPUBURST_RUNPOD_PROXY_URL: PROXY_URL });
  expect(() => createProvider('runpod', config('https://proxy.example/8188'))).toThrow(/GPUBURST_RUNPOD_PROXY_URL="https:\/\/proxy.example\/8188" is not accepted; expected an http\(s\) URL template with \{podId\}/);
  expect(() => createProvider('runpod', config('http://127.0.0.1:9/proxy/{podId}-{port}'))).not.toThrow();
});
