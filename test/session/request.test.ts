/**
 * The session request: one schema for every way in. The same raw value from a `gpuburst run` flag and from a stack
 * config key gives the same request, or the same one-line error with only the name changed; the batch file's
 * session defaults fill what neither set; rules that tie fields together hold on every path.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { profileNames } from '../../src/estimate/profiles';
import { parseSessionRequest, RawRequest, RequestField } from '../../src/session/request';
import { BatchDefaults, buildSessionRequest, fieldName, RequestOrigin } from '../../src/session/request-sources';

let dir: string;
let batchFile: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-request-'));
  batchFile = path.join(dir, 'b.yaml');
  fs.writeFileSync(batchFile, 'workflows:\n  - path: wf.json\n');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function build(origin: RequestOrigin, given: RawRequest, batchDefaults: BatchDefaults = {}, env: NodeJS.ProcessEnv = {}) {
  return buildSessionRequest({ origin, given: { batchFile: 'b.yaml', ...given }, cwd: dir, env, batchDefaults });
}

function errorOf(f: () => unknown): Error & { code?: string } {
  try {
    f();
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('no error');
}

test('nothing set: every default, the batch file made absolute', () => {
  expect(build('cli', {})).toEqual({
    batchFile,
    provider: 'auto',
    pods: 1,
    interruptible: false,
    teardown: 'terminate',
    teardownOnSuccess: true,
    idleMinutes: 10,
    heartbeatMinutes: 10,
    remoteKey: true,
    comfyUrls: [],
    simulated: false,
  });
});

const batch: BatchDefaults = { provider: 'vast', gpu: 'RTX 4090', budgetUsd: 2, maxUsdPerHour: 0.9, interruptible: true };

test.each(['cli', 'stack'] as const)('%s: the batch file fills what is not set; what is set wins', (origin) => {
  expect(build(origin, {}, batch)).toMatchObject({ provider: 'vast', gpu: 'RTX 4090', maxCostUsd: 2, maxUsdPerHour: 0.9, interruptible: true });
  expect(build(origin, { provider: 'runpod', maxCostUsd: '3', gpu: '4090' }, batch)).toMatchObject({ provider: 'runpod', gpu: '4090', maxCostUsd: 3, maxUsdPerHour: 0.9 });
});

test('strings from a command line and from stack config are read the same way', () => {
  const given = { pods: '4', heartbeatMinutes: '0.05', idleMinutes: '.5', maxCostUsd: '$2.50', maxUsdPerHour: '0.9', teardown: 'stop', remoteKey: 'false', outDir: 'renders' };
  const cli = build('cli', given);
  expect(cli).toMatchObject({ pods: 4, heartbeatMinutes: 0.05, idleMinutes: 0.5, maxCostUsd: 2.5, maxUsdPerHour: 0.9, teardown: 'stop', remoteKey: false, outDir: path.join(dir, 'renders') });
  expect(build('stack', given)).toEqual(cli);
  expect(build('args', { ...given, heartbeatMinutes: 0.05, pods: 4 })).toEqual(cli);
});

test('a world started by gpuburst sim marks the request simulated; --simulate does too', () => {
  expect(build('stack', {}, {}, { GPUBURST_SIMULATED: '1' }).simulated).toBe(true);
  expect(build('cli', { simulated: true }).simulated).toBe(true);
  expect(build('cli', {}).simulated).toBe(false);
});

// [field, raw value, what the error says is accepted]: one rule, whatever the way in.
const refused: [RequestField, unknown, string][] = [
  ['heartbeatMinutes', 'ten', 'a number > 0 and ≤ 1440 (minutes), e.g. 10 or 0.5'],
  ['heartbeatMinutes', '0', 'a number > 0 and ≤ 1440 (minutes), e.g. 10 or 0.5'],
  ['heartbeatMinutes', '1441', 'a number > 0 and ≤ 1440 (minutes), e.g. 10 or 0.5'],
  ['idleMinutes', '-1', 'a number > 0 and ≤ 1440 (minutes), e.g. 10 or 0.5'],
  ['pods', '0', 'a whole number from 1 to 64'],
  ['pods', '65', 'a whole number from 1 to 64'],
  ['pods', '1.5', 'a whole number from 1 to 64'],
  ['pods', 'abc', 'a whole number from 1 to 64'],
  ['maxCostUsd', 'two dollars', 'a number > 0, e.g. 2.5'],
  ['maxCostUsd', '-5', 'a number > 0, e.g. 2.5'],
  ['maxUsdPerHour', '0', 'a number > 0, e.g. 2.5'],
  ['teardown', 'destroy', 'terminate, stop'],
  ['provider', 'azure', 'auto, runpod, vast, lambda, paperspace, local'],
  ['model', 'sdxxl', profileNames().join(', ')],
  ['remoteKey', 'maybe', 'true or false'],
];

test.each(refused)('%s = %j: the same one-line error from a flag and from a stack key', (field, value, accepted) => {
  const errors = (['cli', 'stack', 'args'] as const).map((origin) => errorOf(() => build(origin, { [field]: value })));
  errors.forEach((err, i) => {
    const name = fieldName((['cli', 'stack', 'args'] as const)[i], field);
    expect(err.code).toBe('ERR_BAD_INPUT');
    expect(err.message).toBe(`${name}: "${String(value)}" is not accepted; accepted: ${accepted}`);
  });
  expect(errors[0].message).toMatch(/^--[a-z-]+: /);
  expect(errors[1].message).toMatch(/^gpuburst:\w+: /);
});

test('a bad session default in the batch file names the file and its key', () => {
  expect(errorOf(() => build('cli', {}, { budgetUsd: -1 })).message).toBe(`${batchFile}: budgetUsd: -1 is not accepted; accepted: a number > 0, e.g. 2.5`);
});

test('an unknown GPU is the catalog error, named as the user wrote it', () => {
  expect(errorOf(() => build('cli', { gpu: 'RTX 9999' })).message).toMatch(/^--gpu: unknown GPU "RTX 9999"; known: .*RTX 4090/);
  expect(errorOf(() => build('stack', { gpu: 'RTX 9999' })).message).toMatch(/^gpuburst:gpu: unknown GPU "RTX 9999"; known: .*RTX 4090/);
  expect(errorOf(() => build('stack', {}, { gpu: 'RTX 9999' })).message).toMatch(new RegExp(`^${batchFile}: gpu: unknown GPU "RTX 9999"`));
});

test.each([
  ['local without servers', { provider: 'local' }, '--provider local needs --comfy-url http://127.0.0.1:8188 (once per server)'],
  // Issue 12: comfy URLs without --provider local used to rent a cloud GPU.
  ['comfy URLs with a cloud', { provider: 'runpod', comfyUrls: ['http://127.0.0.1:8188'] }, '--comfy-url drives ComfyUI servers you already run, which needs --provider local (the provider here is runpod, which rents a cloud GPU)'],
  ['comfy URLs with auto', { comfyUrls: ['http://127.0.0.1:8188'] }, '--comfy-url drives ComfyUI servers you already run, which needs --provider local (the provider here is auto, which rents a cloud GPU)'],
  ['simulated local', { provider: 'local', comfyUrls: ['http://127.0.0.1:1'], simulated: true }, '--simulate simulates the clouds; with --provider local gpuburst drives your own servers'],
  ['a comfy URL that is no URL', { provider: 'local', comfyUrls: ['localhost:8188'] }, '--comfy-url: "localhost:8188" is not accepted; accepted: a ComfyUI URL such as http://127.0.0.1:8188'],
  ['a comfy URL with text after it', { provider: 'local', comfyUrls: ['http://127.0.0.1:8188 x'] }, '--comfy-url: "http://127.0.0.1:8188 x" is not accepted; accepted: a ComfyUI URL such as http://127.0.0.1:8188'],
  ['a comfy URL with a query', { provider: 'local', comfyUrls: ['http://127.0.0.1:8188/?token=a'] }, '--comfy-url: "http://127.0.0.1:8188/?token=***" is not accepted; accepted: a ComfyUI URL such as http://127.0.0.1:8188'],
] as [string, RawRequest, string][])('cli: %s is refused in one line', (_name, given, message) => {
  expect(errorOf(() => build('cli', given)).message).toBe(message);
});

test('local: one machine per --comfy-url unless --pods says fewer; more pods than servers is refused', () => {
  const two = ['http://127.0.0.1:8188', 'http://127.0.0.1:8189'];
  expect(build('cli', { provider: 'local', comfyUrls: two }).pods).toBe(2);
  expect(build('cli', { provider: 'local', comfyUrls: two, pods: '1' }).pods).toBe(1);
  expect(errorOf(() => build('cli', { provider: 'local', comfyUrls: two, pods: '3' })).message).toBe('--pods: 3 is more than the 2 server(s) given with --comfy-url; with --provider local each machine is one of your servers');
  expect(build('cli', { provider: 'runpod' }).pods).toBe(1);
});

test('local with its servers; from the batch file too', () => {
  expect(build('cli', { provider: 'local', comfyUrls: ['http://127.0.0.1:8188'] })).toMatchObject({ provider: 'local', comfyUrls: ['http://127.0.0.1:8188'] });
  expect(build('cli', { comfyUrls: ['http://127.0.0.1:8188'] }, { provider: 'local' })).toMatchObject({ provider: 'local' });
});

test('a stack has no local provider, wherever it was set', () => {
  expect(errorOf(() => build('stack', { provider: 'local' })).message).toBe('gpuburst:provider: "local" rents nothing, so it has no stack; use gpuburst run --provider local');
  expect(errorOf(() => build('stack', {}, { provider: 'local' })).message).toBe(`${batchFile}: provider: "local" rents nothing, so it has no stack; use gpuburst run --provider local`);
});

test('a stack batch file that is missing or does not exist names the key', () => {
  expect(errorOf(() => buildSessionRequest({ origin: 'stack', given: {}, cwd: dir, env: {} })).message).toBe('gpuburst:batchFile: missing; accepted: the path of a batch file (YAML), e.g. examples/sdxl-batch.yaml');
  expect(errorOf(() => buildSessionRequest({ origin: 'stack', given: { batchFile: 'nope.yaml' }, cwd: dir, env: {} })).message).toBe(`gpuburst:batchFile: ${path.join(dir, 'nope.yaml')} does not exist; accepted: the path of a batch file (YAML)`);
});

test('a parsed request parses to itself; a relative batch file is refused where nothing resolves it', () => {
  const r = build('cli', { heartbeatMinutes: '0.05', provider: 'vast' });
  expect(parseSessionRequest(JSON.parse(JSON.stringify(r)))).toEqual(r);
  expect(errorOf(() => parseSessionRequest({ batchFile: 'b.yaml' })).message).toBe('batchFile: "b.yaml" is not accepted; accepted: the absolute path of a batch file (YAML)');
});

test('a model cache: from the flag or the batch file, with a cloud that has one; its rules name the value', () => {
  expect(build('cli', { provider: 'runpod', cache: 'models-sdxl', cacheRegion: 'EU-RO-1' })).toMatchObject({ cache: 'models-sdxl', cacheRegion: 'EU-RO-1' });
  expect(build('cli', { provider: 'lambda' }, { cache: 'models', cacheRegion: 'us-east-1' })).toMatchObject({ cache: 'models', cacheRegion: 'us-east-1' });
  expect(errorOf(() => build('cli', { provider: 'runpod', cache: '9lives' })).message).toBe('--cache: "9lives" is not accepted; accepted: 1–60 characters, a letter first, then letters, digits and dashes (e.g. models-sdxl)');
  expect(errorOf(() => build('cli', { cache: 'models' })).message).toMatch(/^--cache models: a model cache lives at one cloud; it needs --provider runpod or lambda \(the provider here is auto\)/);
  expect(errorOf(() => build('cli', { provider: 'runpod', cacheRegion: 'EU-RO-1' })).message).toMatch(/^--cache-region names where a new cache goes; it needs --cache <name>/);
  expect(errorOf(() => build('stack', { provider: 'runpod', cache: 'a b' })).message).toMatch(/^gpuburst:cache: "a b" is not accepted/);
});
