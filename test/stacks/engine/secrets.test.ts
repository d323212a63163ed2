import { TestEngine } from './engine';
import { configuredProgram, plainKeyProgram, secretKeyProgram, secretOutputProgram } from './fixtures/keys';
import { secretNames } from './secrets';

const apiKey = 'rpa_TESTKEY0123456789abcdef';
const keyedEngine = () => new TestEngine({ config: { apiKey }, secretKeys: ['apiKey'] });

test('a key captured as a plain string is in the state dump, inside __provider', async () => {
  const engine = keyedEngine();
  const result = await engine.up(plainKeyProgram);

  expect(result.outputs.keyLength).toBe(apiKey.length); // the serialized code really had the key
  const keyed = engine.resource('keyed');
  expect(secretNames(keyed?.inputs ?? {})).not.toContain('__provider');
  expect(String(keyed?.inputs.__provider)).toContain(apiKey);
  expect(engine.dumpState()).toContain(apiKey);
});

test('a captured secret Output marks __provider secret, and the dump holds it encrypted', async () => {
  const engine = keyedEngine();
  const result = await engine.up(secretKeyProgram);

  expect(result.outputs.keyLength).toBe(apiKey.length);
  const keyed = engine.resource('keyed');
  expect(secretNames(keyed?.inputs ?? {})).toContain('__provider');
  expect(secretNames(keyed?.outputs ?? {})).toContain('__provider'); // annotated like the input of that name
  const dump = engine.dumpState();
  expect(dump).not.toContain(apiKey);
  expect(dump).toContain('ciphertext');
  await engine.destroy(); // the stored, secret __provider still loads
  expect(engine.resources).toEqual([]);
});

test('a provider that reads the key in configure keeps it out of state', async () => {
  const engine = keyedEngine();
  const result = await engine.up(configuredProgram);

  expect(result.outputs.keyLength).toBe(apiKey.length); // configure got the namespaced stack config
  expect(engine.dumpState()).not.toContain(apiKey);
});

test('additionalSecretOutputs marks outputs secret in state and in the program', async () => {
  const engine = new TestEngine();
  const result = await engine.up(secretOutputProgram);

  expect(result.outputs).toEqual({ token: 'tok_s1', region: 'eu' });
  expect(result.secretOutputNames).toEqual(['token']);
  expect(secretNames(engine.resource('session')?.outputs ?? {})).toEqual(['token']);
  const dump = engine.dumpState();
  expect(dump).not.toContain('tok_s1');
  expect(dump).toContain('"eu"');
});
