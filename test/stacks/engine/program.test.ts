import * as pulumi from '@pulumi/pulumi';
import { mkdtempSync, readdirSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { EngineRunError, TestEngine } from './engine';
import { secretNames } from './secrets';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'engine-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const apiKey = 'vast_TESTKEY_9f8e7d6c5b4a';

// A module path runs once per test file (jest caches modules); export a function to run a program twice.
test('a program module runs with stack config, a component, parented children and stack outputs', async () => {
  const engine = new TestEngine({ config: { name: 'pair', dir, apiKey }, secretKeys: ['apiKey'] });
  const result = await engine.up(require.resolve('./fixtures/program'));

  expect(result.outputs).toEqual({ ids: ['pair-left-1', 'pair-right-1'], apiKeyLength: apiKey.length });
  expect(result.secretOutputNames).toEqual(['apiKeyLength']);
  const component = engine.resource('pair', 'toy:index:Pair');
  expect(component?.outputs).toEqual({ ids: ['pair-left-1', 'pair-right-1'] });
  const right = engine.resource('pair-right');
  expect(right?.parent).toBe(component?.urn);
  expect(right?.urn).toBe('urn:pulumi:test::gpuburst::toy:index:Pair$pulumi-nodejs:dynamic/toy:Machine::pair-right');
  expect(secretNames(right?.outputs ?? {})).toEqual(['token']);
  expect(engine.diagnostics).toContainEqual({ severity: 'warning', message: 'toy program: machines are files' });
  expect(engine.dumpState()).not.toContain(apiKey);

  await engine.destroy();
  expect(readdirSync(dir)).toEqual(['journal.log']);
});

test('a missing config key fails the program before anything is created', async () => {
  const engine = new TestEngine();
  const error = await engine.up(() => new pulumi.Config().require('gpu')).then(() => undefined, (e: unknown) => e);

  expect(error).toBeInstanceOf(EngineRunError);
  expect((error as EngineRunError).failures).toEqual([
    expect.objectContaining({ op: 'program', message: expect.stringContaining('gpuburst:gpu') }),
  ]);
  expect(engine.resources.filter((r) => r.custom)).toEqual([]);
});
