/**
 * Whole render sessions through the Pulumi program: the test engine runs the dynamic providers' serialized code
 * (as Pulumi's provider host does) against the simulated cloud, on the built session code. Images land on disk,
 * the simulator's machine ends, no key is in the recorded state, and destroy and refresh run the stored code.
 */
import fs from 'fs';
import path from 'path';
import { providerFromEnv } from '../../providers/index';
import { Journal } from '../../src/session/journal';
import { TestEngine } from './engine/engine';
import { secretNames } from './engine/secrets';
import { billing, FAST_TIMINGS, smallBatch, useEnv, useStackWorld } from './support/world';
import program = require('../../stacks/index');

const world = useStackWorld({}, { build: true });

const simMachine = (id: unknown) => world().sims[0].state().machines.find((m) => m.id === id);
/** PNG files anywhere below `dir` (the layout below the workflow folder is the pull code's business). */
const pngs = (dir: string): string[] => fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.png')).map((f) => path.join(dir, f));

function engineFor(dir: string, batchFile: string, config: Record<string, string> = {}, secretKeys: string[] = []): TestEngine {
  return new TestEngine({ stack: 'sim', config: { batchFile, provider: 'vast', workDir: dir, timings: JSON.stringify(FAST_TIMINGS), ...config }, secretKeys });
}

test('up renders the batch, pulls every image, ends the machine, and keeps the key out of state', async () => {
  const { dir, batchFile } = smallBatch(4);
  const key = world().env.VAST_API_KEY;
  const unsetKey = useEnv({ VAST_API_KEY: undefined }); // the key comes from stack config only, as `--secret`
  const engine = engineFor(dir, batchFile, { vastApiKey: key }, ['vastApiKey']);
  let result;
  try {
    result = await engine.up(program);
  } finally {
    unsetKey();
  }

  const out = result.outputs;
  expect(out).toMatchObject({ provider: 'vast', images: 4, tornDown: true, status: 'done', watchdogMinutes: 10 });
  expect(out.costUsd).toBeGreaterThan(0);
  expect(out.billedSeconds).toBeGreaterThan(0);
  const files = pngs(path.join(String(out.outputFolder), 'fox'));
  expect(files).toHaveLength(4);
  for (const f of files) expect(fs.readFileSync(f).subarray(1, 4).toString()).toBe('PNG');
  expect(simMachine(out.machineId)).toMatchObject({ billing: false, running: false });
  expect(billing(world())).toEqual([]);

  expect(result.secretOutputNames).toEqual(['endpoint']);
  const machine = engine.resource('gpuburst-machine')!;
  expect(machine.id).toBe(out.machineId);
  expect(secretNames(machine.outputs)).toEqual(['endpoint']);
  const state = engine.dumpState();
  expect(state).not.toContain(key);
  expect(state).not.toContain(String(out.endpoint));
  expect(String(machine.inputs.__provider)).not.toContain(key);

  // The stack's session is journaled like the CLI's, so status/resume/down/sweep see it.
  const journal = Journal.load(path.join(dir, '.gpuburst'), String(machine.outputs.sessionId))!.data;
  expect(journal.machines).toEqual([expect.objectContaining({ id: out.machineId, state: 'terminated' })]);

  await engine.destroy();
  expect(engine.resources).toEqual([]);
}, 60_000);

test('autoTeardown false leaves the machine up; refresh keeps it; destroy ends it with the stored code', async () => {
  const { dir, batchFile } = smallBatch(2);
  const engine = engineFor(dir, batchFile, { autoTeardown: 'false' });
  const { outputs } = await engine.up(program);

  expect(outputs).toMatchObject({ images: 2, tornDown: false, status: 'done' });
  expect(pngs(String(outputs.outputFolder))).toHaveLength(2);
  expect(simMachine(outputs.machineId)).toMatchObject({ billing: true });

  await engine.refresh();
  expect(engine.resource('gpuburst-machine')).toMatchObject({ id: outputs.machineId, outputs: { status: 'ready', providerStatus: expect.any(String) } });
  expect(engine.dumpState()).not.toContain(world().env.VAST_API_KEY); // the key came from the environment here

  await engine.destroy();
  expect(engine.resources).toEqual([]);
  expect(simMachine(outputs.machineId)).toMatchObject({ billing: false, running: false });
  const sessionId = String(outputs.outputFolder).split(path.sep).pop()!;
  expect(Journal.load(path.join(dir, '.gpuburst'), sessionId)!.data.machines[0].state).toBe('terminated');
}, 60_000);

test('refresh drops a machine terminated elsewhere; destroy then has nothing left to end', async () => {
  const { dir, batchFile } = smallBatch(2);
  const engine = engineFor(dir, batchFile, { autoTeardown: 'false' });
  const { outputs } = await engine.up(program);
  const machineId = String(outputs.machineId);

  await providerFromEnv('vast', world().env).terminateMachine({ id: machineId });
  for (let i = 0; i < 100 && simMachine(machineId)?.billing; i++) await new Promise((r) => setTimeout(r, 50));
  expect(simMachine(machineId)?.billing).toBe(false);

  await engine.refresh();
  expect(engine.resource('gpuburst-machine')).toBeUndefined();
  expect(engine.resource('gpuburst-render')).toBeDefined();

  await engine.destroy();
  expect(engine.resources).toEqual([]);
}, 60_000);
