/**
 * The dynamic providers' methods the test engine does not run (diff, update: it only creates on an empty state),
 * called directly; and what the serialized providers carry.
 */
import * as pulumi from '@pulumi/pulumi';
import { comfyMachineProvider } from '../../stacks/resources/comfy-machine';
import { loadSteps } from '../../stacks/resources/provider-runtime';
import { renderProvider } from '../../stacks/resources/render';
import { useOneRealmForFunctions } from './engine/realm';

const session = { batchFile: '/p/batch.yaml', provider: 'vast', gpu: 'RTX 4090', teardown: 'terminate', heartbeatMinutes: 10, idleMinutes: 10, remoteKey: true };
const reordered = Object.fromEntries(Object.entries(session).reverse());
const machineState = { session, workDir: '/p', timings: {}, provider: 'vast', machineId: 'm-1', sessionId: 's-1', status: 'ready', endpoint: 'http://h:1' };

test('a machine is replaced (old one ended first) only when its request changed or it never became ready', async () => {
  const same = await comfyMachineProvider.diff('m-1', machineState, { session: reordered, workDir: '/elsewhere', timings: { pollSeconds: 1 } });
  const newGpu = await comfyMachineProvider.diff('m-1', machineState, { session: { ...session, gpu: 'A100' }, workDir: '/p', timings: {} });
  const failed = await comfyMachineProvider.diff('m-1', { ...machineState, status: 'failed' }, { session, workDir: '/p', timings: {} });

  expect(same).toEqual({ changes: false, replaces: [], deleteBeforeReplace: true });
  expect(newGpu).toEqual({ changes: true, replaces: ['session'], deleteBeforeReplace: true });
  expect(failed).toMatchObject({ changes: true, replaces: ['session'] });
});

test('a request written before a field existed asks for the same machine once defaulted; a changed default does not', async () => {
  const newer = { ...session, pods: 1, interruptible: false, comfyUrls: [], simulated: false };
  expect(await comfyMachineProvider.diff('m-1', machineState, { session: newer, workDir: '/p', timings: {} })).toMatchObject({ changes: false });
  expect(await comfyMachineProvider.diff('m-1', machineState, { session: { ...newer, heartbeatMinutes: 0.5 }, workDir: '/p', timings: {} })).toMatchObject({ changes: true });
});

test('an in-place update keeps the machine and its outputs, taking only where journals live and the timings', async () => {
  const { outs } = await comfyMachineProvider.update('m-1', machineState, { session, workDir: '/q', timings: { pollSeconds: 2 } });
  expect(outs).toEqual({ ...machineState, workDir: '/q', timings: { pollSeconds: 2 } });
});

test('a render is replaced when its session or teardown choice changed', async () => {
  const olds = { sessionId: 's-1', autoTeardown: true, workDir: '/p', timings: {}, images: 4 };
  expect(await renderProvider.diff('s-1', olds, { ...olds, workDir: '/q' })).toMatchObject({ changes: false });
  expect(await renderProvider.diff('s-1', olds, { ...olds, sessionId: 's-2' })).toMatchObject({ changes: true, replaces: ['sessionId'] });
  expect(await renderProvider.diff('s-1', olds, { ...olds, autoTeardown: false })).toMatchObject({ changes: true });
});

test('the serialized providers hold no key and load the session from the build at run time', async () => {
  useOneRealmForFunctions();
  for (const provider of [comfyMachineProvider, renderProvider]) {
    const { text } = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
    expect(text).toContain("'dist', 'src', 'session', 'steps.js'");
    expect(text).not.toMatch(/makePlan|MachineLifecycle|parseSessionRequest|createProvider|axios|zod/); // no session module or client captured
    expect(text).toMatch(/_keys = \{\};/); // filled in by configure, in the host
  }
});

test('without a build the providers say how to make one', () => {
  const cwd = jest.spyOn(process, 'cwd').mockReturnValue('/nonexistent-project');
  try {
    expect(() => loadSteps()).toThrow('/nonexistent-project/dist/src/session/steps.js is missing; run `npm run build` in the project folder');
  } finally {
    cwd.mockRestore();
  }
});
