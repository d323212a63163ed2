import { existsSync, mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { EngineRunError, TestEngine } from './engine';
import { failingMachines, Machine } from './fixtures/toy';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'engine-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function upFailure(engine: TestEngine, program: () => unknown): Promise<EngineRunError> {
  const error = await engine.up(program).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(EngineRunError);
  return error as EngineRunError;
}

// `first` is created; `second` (after it) fails in create with the given kind of error.
const program = (kind: Parameters<typeof failingMachines>[0]) => () => {
  const first = new Machine('first', { dir, label: 'first' });
  new Machine('second', { dir, label: 'second', after: first.machineId }, {}, failingMachines(kind));
};

test('create throwing an error with id keeps the resource in state, and destroy deletes it', async () => {
  const engine = new TestEngine();
  const error = await upFailure(engine, program('init-failed'));

  expect(error.failures).toContainEqual(expect.objectContaining({ op: 'create', id: 'second-1' }));
  expect(error.message).toContain('never became ready');
  expect(engine.resource('second')).toMatchObject({ id: 'second-1', initErrors: ['boot timed out'] });

  await engine.destroy();
  expect(existsSync(join(dir, 'second-1'))).toBe(false);
  expect(existsSync(join(dir, 'first-1'))).toBe(false);
  expect(engine.resources).toEqual([]);
});

// The host stores the error's `properties` as the outputs and delete loads the provider from outputs.__provider,
// so an error without it leaves a resource that Pulumi keeps but cannot delete.
test('an init failure whose properties lack __provider stays in state and destroy fails on it', async () => {
  const engine = new TestEngine();
  await upFailure(engine, program('init-failed-without-provider'));
  expect(engine.resource('second')?.id).toBe('second-1');

  const error = await engine.destroy().then(() => undefined, (e: unknown) => e as EngineRunError);
  expect(error?.failures).toEqual([expect.objectContaining({ op: 'delete', id: 'second-1' })]);
  expect(error?.message).toContain('code must be a string');
  expect(existsSync(join(dir, 'second-1'))).toBe(true);
  expect(engine.resource('first')).toBeDefined(); // its dependent is still there
});

test('a plain error loses the failing machine but forgets nothing created before it', async () => {
  const engine = new TestEngine();
  const error = await upFailure(engine, program('plain'));

  expect(error.failures).toContainEqual(expect.objectContaining({ op: 'create', id: undefined }));
  expect(engine.resource('second')).toBeUndefined();
  expect(engine.resource('first')?.id).toBe('first-1');
  expect(existsSync(join(dir, 'second-1'))).toBe(true); // the orphan the error could not report

  await engine.destroy();
  expect(existsSync(join(dir, 'first-1'))).toBe(false);
});

// The host sends outputs as a protobuf Struct, which has no `undefined`: a create that leaves an optional output
// undefined fails after the machine exists, with no id to report.
test('outputs the host cannot send fail the create and lose the machine', async () => {
  const engine = new TestEngine();
  const sloppy = {
    async create(inputs: Record<string, string>) {
      require('fs').writeFileSync(`${inputs.dir}/${inputs.label}-1`, '');
      return { id: `${inputs.label}-1`, outs: { ...inputs, endpoint: undefined } };
    },
  };
  const error = await upFailure(engine, () => new Machine('m', { dir, label: 'm' }, {}, sloppy));

  expect(error.failures).toContainEqual(expect.objectContaining({ op: 'create', message: 'Unexpected struct type.' }));
  expect(engine.resource('m')).toBeUndefined();
  expect(existsSync(join(dir, 'm-1'))).toBe(true);
});

test('check failures stop the resource before create', async () => {
  const engine = new TestEngine();
  const strict = {
    async check(_olds: unknown, news: Record<string, unknown>) {
      return { inputs: news, failures: news.gpu ? [] : [{ property: 'gpu', reason: 'required' }] };
    },
    async create(): Promise<{ id: string }> {
      throw new Error('create must not run');
    },
  };
  const error = await upFailure(engine, () => new Machine('m', { dir, label: 'm' }, {}, strict));

  expect(error.failures).toContainEqual(expect.objectContaining({ op: 'check', message: 'gpu: required' }));
  expect(engine.resource('m')).toBeUndefined();
});
