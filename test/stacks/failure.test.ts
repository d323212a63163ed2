/**
 * A provision that fails after the machine exists: the machine resource stays in state with the machine's id (the
 * host's "created, failed to initialize"), so Pulumi never forgets a billing machine, and destroy ends it with the
 * code stored in state. Here ComfyUI never comes up in time and the provider refuses terminates until the test
 * lets it, so the machine is still billing when `up` fails.
 */
import { EngineRunError, TestEngine } from './engine/engine';
import { billing, FAST_TIMINGS, smallBatch, useStackWorld } from './support/world';
import program = require('../../stacks/index');

const world = useStackWorld({ timings: { provisionMs: 100, bootMs: 200, comfyStartMs: 120_000, stopMs: 100 } }, { build: true });

test('a machine that never became ready stays in state with its id, and destroy ends it', async () => {
  const { dir, batchFile } = smallBatch(2);
  const vast = world().sims[0];
  vast.server.faults.add({ fault: { kind: 'status', status: 403, body: { error: 'simulated refusal' } }, method: 'DELETE', path: '^/api/v0/instances/', times: -1 });
  const timings = { ...FAST_TIMINGS, readyTimeoutSeconds: 1, confirmSeconds: 1 };
  const engine = new TestEngine({ config: { batchFile, provider: 'vast', workDir: dir, timings: JSON.stringify(timings) } });

  const error = await engine.up(program).then(() => undefined, (e: unknown) => e as EngineRunError);

  expect(error).toBeInstanceOf(EngineRunError);
  const failed = error!.failures.find((f) => f.op === 'create');
  expect(failed).toMatchObject({ urn: expect.stringContaining('gpuburst-machine'), id: expect.any(String), message: expect.stringMatching(/not ready/) });
  const machine = engine.resource('gpuburst-machine')!;
  expect(machine).toMatchObject({ id: failed!.id, initErrors: [failed!.message] });
  expect(machine.outputs).toMatchObject({ provider: 'vast', machineId: failed!.id, status: 'failed', sessionId: expect.any(String) });
  expect(engine.resource('gpuburst-render')).toBeUndefined();
  expect(billing(world())).toEqual([`vast:${failed!.id}`]);

  vast.server.faults.clear();
  await engine.destroy();

  expect(engine.resources).toEqual([]);
  expect(billing(world())).toEqual([]);
}, 60_000);
