import * as pulumi from '@pulumi/pulumi';
import { existsSync, mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { TestEngine } from './engine';
import { Machine, readJournal, release } from './fixtures/toy';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'engine-'));
  release.tag = 'v1';
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

// a <- b <- c by data, d after c by dependsOn only, x independent. a is slow, so creating in registration order
// without waiting for outputs would put b before a.
function chain() {
  const a = new Machine('a', { dir, label: 'a', delayMs: 40 });
  const x = new Machine('x', { dir, label: 'x' });
  const b = new Machine('b', { dir, label: 'b', after: a.machineId });
  const c = new Machine('c', { dir, label: 'c', after: b.machineId });
  const d = new Machine('d', { dir, label: 'd' }, { dependsOn: [c] });
  return { ids: pulumi.all([a.id, b.id, c.id, d.id, x.id]), size: c.size };
}

const creates = () => readJournal(dir).filter((e) => e.op === 'create');
const deletes = () => readJournal(dir).filter((e) => e.op === 'delete').map((e) => e.id);

test('up creates in dependency order, with the outputs each resource waited for', async () => {
  const engine = new TestEngine();
  const result = await engine.up(chain);

  const order = creates().map((e) => e.id);
  expect(order.indexOf('a-1')).toBeLessThan(order.indexOf('b-1'));
  expect(order.indexOf('b-1')).toBeLessThan(order.indexOf('c-1'));
  expect(order.indexOf('c-1')).toBeLessThan(order.indexOf('d-1'));
  expect(creates().find((e) => e.id === 'c-1')).toMatchObject({ after: 'b-1', size: 1 }); // checked inputs
  expect(result.outputs).toEqual({ ids: ['a-1', 'b-1', 'c-1', 'd-1', 'x-1'], size: 1 });

  const c = engine.resource('c');
  expect(c).toMatchObject({ type: 'pulumi-nodejs:dynamic/toy:Machine', id: 'c-1' });
  expect(c?.dependencies).toEqual([engine.resource('b')?.urn]);
  expect(c?.parent).toBe(engine.resource(`${engine.project}-${engine.stack}`)?.urn);
  expect(typeof c?.inputs.__provider).toBe('string');
  expect(c?.outputs.__provider).toBe(c?.inputs.__provider);
});

test('destroy deletes in reverse creation order and empties the state', async () => {
  const engine = new TestEngine();
  await engine.up(chain);
  const created = creates().map((e) => e.id);

  await engine.destroy();

  expect(deletes()).toEqual([...created].reverse());
  expect(created.every((id) => !existsSync(join(dir, id)))).toBe(true);
  expect(engine.resources).toEqual([]);
});

test('destroy runs the provider code stored in state, not the live module', async () => {
  const engine = new TestEngine();
  await engine.up(() => new Machine('a', { dir, label: 'a' }));
  release.tag = 'v2'; // the program's module changed after up

  await engine.destroy();
  expect(readJournal(dir).find((e) => e.op === 'delete')).toMatchObject({ id: 'a-1', release: 'v1' });
});

test('destroy loads the provider from the __provider held in state', async () => {
  const engine = new TestEngine();
  await engine.up(() => new Machine('a', { dir, label: 'a' }));
  const other = await pulumi.runtime.serializeFunction(() => ({
    async create() { return { id: 'never' }; },
    async delete(id: string, props: Record<string, string>) {
      require('fs').writeFileSync(`${props.dir}/deleted-by-other-code`, id);
    },
  }), { allowSecrets: true });
  const machine = engine.resource('a');
  if (machine) machine.outputs.__provider = other.text;

  await engine.destroy();
  expect(existsSync(join(dir, 'deleted-by-other-code'))).toBe(true);
  expect(existsSync(join(dir, 'a-1'))).toBe(true); // the toy delete never ran
});

test('refresh drops a resource whose read returns an empty id and updates the others', async () => {
  const engine = new TestEngine();
  await engine.up(() => [new Machine('a', { dir, label: 'a' }), new Machine('b', { dir, label: 'b' })]);
  rmSync(join(dir, 'a-1')); // gone elsewhere

  await engine.refresh();
  expect(engine.resource('a')).toBeUndefined();
  expect(engine.resource('b')?.outputs).toMatchObject({ refreshed: true, machineId: 'b-1' });
  expect(typeof engine.resource('b')?.outputs.__provider).toBe('string'); // kept for later CRUD

  await engine.destroy();
  expect(deletes()).toEqual(['b-1']);
});

test('preview runs check but creates nothing and leaves the state alone', async () => {
  const engine = new TestEngine();
  const result = await engine.preview(() => ({ size: new Machine('a', { dir, label: 'a' }).size }));

  expect(result.outputs).toEqual({ size: 1 });
  expect(existsSync(join(dir, 'journal.log'))).toBe(false);
  expect(result.resources.map((r) => r.name)).toContain('a');
  expect(engine.resources).toEqual([]);
});
