/**
 * The Pulumi program under the test engine (setMocks underneath): config is checked before anything is created,
 * preview computes the estimate and rents nothing, and the resource graph is the documented one.
 */
import { buildSessionRequest, fieldName } from '../../src/session/request-sources';
import { readStackConfig } from '../../stacks/config';
import { EngineRunError, TestEngine } from './engine/engine';
import { smallBatch, useStackWorld } from './support/world';
import program = require('../../stacks/index');

const world = useStackWorld();

const simMachines = () => world().sims.reduce((n, s) => n + s.state().machines.length, 0);
const errorOf = (text: () => unknown) => {
  try {
    text();
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('no error');
};

async function upFailure(engine: TestEngine): Promise<EngineRunError> {
  const error = await engine.up(program).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(EngineRunError);
  return error as EngineRunError;
}

test('a missing batch file key names the key and its type; nothing is created', async () => {
  const engine = new TestEngine({ config: { provider: 'vast' } });
  const error = await upFailure(engine);

  expect(error.failures).toEqual([expect.objectContaining({ op: 'program', message: expect.stringMatching(/^gpuburst:batchFile: missing; accepted: the path of a batch file/) })]);
  expect(engine.resources.filter((r) => r.custom)).toEqual([]);
});

test.each([
  ['heartbeatMinutes', 'ten', /^gpuburst:heartbeatMinutes: "ten" is not accepted; accepted: a number > 0 and ≤ 1440 \(minutes\)/],
  ['idleMinutes', '1441', /^gpuburst:idleMinutes: "1441" is not accepted; accepted: a number > 0 and ≤ 1440 \(minutes\)/],
  ['maxCostUsd', 'two dollars', /^gpuburst:maxCostUsd: "two dollars" is not accepted; accepted: a number > 0/],
  ['autoTeardown', 'yes', /^gpuburst:autoTeardown: "yes" is not accepted; accepted: true or false/],
  ['teardown', 'explode', /^gpuburst:teardown: "explode" is not accepted; accepted: terminate, stop/],
  ['timings', '{"pollSeconds":-1}', /^gpuburst:timings\.pollSeconds: -1 is not accepted; expected an object of positive numbers/],
  ['timings', '[1,2]', /^gpuburst:timings: expected an object of positive numbers/],
  ['timings', '{"pollSecs":1}', /^gpuburst:timings\.pollSecs: 1 is not accepted; expected an object of positive numbers with keys from readyTimeoutSeconds/],
])('a mistyped %s (%s) names the key and what it accepts; nothing is created', async (key, value, message) => {
  const { batchFile } = smallBatch();
  const engine = new TestEngine({ config: { batchFile, provider: 'vast', [key]: value } });
  const error = await upFailure(engine);

  expect(error.failures).toEqual([expect.objectContaining({ op: 'program', message: expect.stringMatching(message) })]);
  expect(engine.resources.filter((r) => r.custom)).toEqual([]);
});

test('timings set with `pulumi config set --path` (fractions stored as strings) are read as seconds', async () => {
  const { batchFile } = smallBatch();
  let timings: unknown;
  await new TestEngine({ config: { batchFile, timings: '{"pollSeconds":"0.25","readyTimeoutSeconds":600}' } }).up(() => void (timings = readStackConfig().timings));
  expect(timings).toEqual({ pollSeconds: 0.25, readyTimeoutSeconds: 600 });
});

test('an unknown provider or GPU is the CLI error, with the config key, before anything is created', async () => {
  const { batchFile, dir } = smallBatch();
  const cases = [{ provider: 'aws' }, { provider: 'vast', gpu: 'RTX 9999' }];
  const asCli = cases.map((given) => errorOf(() => buildSessionRequest({ origin: 'cli', given: { batchFile, ...given }, cwd: dir, env: process.env })));
  const errors: (Error & { code?: string })[] = [];
  for (const config of cases as Record<string, string>[]) {
    await new TestEngine({ config: { batchFile, ...config } }).up(() => void errors.push(errorOf(() => readStackConfig())));
  }

  const [provider, gpu] = (['provider', 'gpu'] as const).map((f) => [fieldName('cli', f), fieldName('stack', f)]);
  expect(errors.map((e) => [e.code, e.message])).toEqual([
    [asCli[0].code, asCli[0].message.replace(provider[0], provider[1])],
    [asCli[1].code, asCli[1].message.replace(gpu[0], gpu[1])],
  ]);
  expect(errors[1].message).toMatch(/^gpuburst:gpu: unknown GPU "RTX 9999"; known: /);
  const engine = new TestEngine({ config: { batchFile, provider: 'aws' } });
  await upFailure(engine);
  expect(engine.resources.filter((r) => r.custom)).toEqual([]);
});

test('a budget below the estimate fails preview and up before a machine is created', async () => {
  const { batchFile, dir } = smallBatch();
  const config = { batchFile, provider: 'vast', maxCostUsd: '0.0001', workDir: dir };
  const before = simMachines();

  const preview = await new TestEngine({ config }).preview(program).then(() => undefined, (e: unknown) => e as EngineRunError);
  const engine = new TestEngine({ config });
  const up = await upFailure(engine);

  for (const error of [preview, up]) expect(error?.message).toMatch(/budget \$0\.0001 is below the estimate \$0\.0\d+ /);
  expect(up.failures.map((f) => f.op)).not.toContain('create'); // the machine waits for the estimate: never attempted
  expect(engine.resources.filter((r) => r.custom)).toEqual([]);
  expect(simMachines()).toBe(before);
});

test('a provider key stored in plain text is a warning that does not show the key; an encrypted one is not', async () => {
  const { batchFile, dir } = smallBatch();
  const key = world().env.VAST_API_KEY;
  const plain = new TestEngine({ config: { batchFile, provider: 'vast', workDir: dir, vastApiKey: key } });
  const encrypted = new TestEngine({ config: { batchFile, provider: 'vast', workDir: dir, vastApiKey: key }, secretKeys: ['vastApiKey'] });
  await plain.preview(program);
  await encrypted.preview(program);

  const warnings = (e: TestEngine) => e.diagnostics.filter((d) => d.severity === 'warning' && d.message.includes('gpuburst:')).map((d) => d.message);
  expect(warnings(plain)).toEqual([expect.stringContaining('gpuburst:vastApiKey is stored in plain text')]);
  expect(warnings(plain)[0]).toContain('pulumi config set --secret gpuburst:vastApiKey');
  expect(warnings(plain)[0]).not.toContain(key);
  expect(warnings(encrypted)).toEqual([]);
});

test('preview shows the estimate and the resource graph, and rents nothing', async () => {
  const { batchFile, dir } = smallBatch(3);
  const engine = new TestEngine({ config: { batchFile, provider: 'vast', workDir: dir } });
  const before = simMachines();

  const result = await engine.preview(program);

  expect(result.outputs.estimate).toMatchObject({ prompts: 3, provider: 'vast', estimateUsd: expect.any(Number), usdPerImage: expect.any(Number) });
  const byName = (name: string) => result.resources.find((r) => r.name === name)!;
  const component = byName('gpuburst');
  expect(component.type).toBe('gpuburst:index:RenderSession');
  expect(byName('gpuburst-machine')).toMatchObject({ type: 'pulumi-nodejs:dynamic/gpuburst:ComfyMachine', parent: component.urn, additionalSecretOutputs: ['endpoint'] });
  expect(byName('gpuburst-render')).toMatchObject({ type: 'pulumi-nodejs:dynamic/gpuburst:Render', parent: component.urn, dependencies: [byName('gpuburst-machine').urn] });
  expect(byName('gpuburst-machine').inputs.session).toMatchObject({ batchFile, provider: 'vast', teardown: 'terminate', heartbeatMinutes: 10, idleMinutes: 10, remoteKey: true });
  expect(byName('gpuburst-render').inputs.autoTeardown).toBe(true);
  expect(simMachines()).toBe(before);
  expect(engine.resources).toEqual([]);
});
