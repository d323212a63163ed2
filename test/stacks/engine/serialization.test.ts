import { EngineRunError, TestEngine } from './engine';
import { Toy } from './fixtures/toy';
import { liveClientProvider, nativeFunctionProvider } from './fixtures/unserializable';

async function upFailure(engine: TestEngine, program: () => unknown): Promise<EngineRunError> {
  const error = await engine.up(program).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(EngineRunError);
  return error as EngineRunError;
}

test.each([
  ['a module-level HTTP client (a live socket pool)', liveClientProvider],
  ['a native function', nativeFunctionProvider],
])('a provider capturing %s fails to serialize and is never created', async (_what, provider) => {
  const engine = new TestEngine();
  const error = await upFailure(engine, () => new Toy(provider, 'machine', {}));

  expect(error.failures.map((f) => f.message).join('\n')).toMatch(/Error serializing/);
  expect(engine.resource('machine')).toBeUndefined();
});
