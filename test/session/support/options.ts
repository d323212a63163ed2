/**
 * What an in-process session test passes to `runSession` unless it says otherwise: one machine on `provider`,
 * terminated at the end, the pod-scoped key on the machine, the world's simulated keys, state under `dir`, every
 * question answered yes, events dropped.
 */
import path from 'path';
import type { RunSessionOptions } from '../../../src/session/session';
import type { World } from '../../../src/sim/world';

export function sessionOptions(world: World, dir: string, o: Partial<RunSessionOptions> & Pick<RunSessionOptions, 'batchFile' | 'provider'>): RunSessionOptions {
  return {
    pods: 1,
    teardown: 'terminate',
    idleMinutes: 10,
    heartbeatMinutes: 10,
    remoteKey: true,
    comfyUrls: [],
    stateDir: path.join(dir, '.gpuburst'),
    cwd: dir,
    env: { ...world.env },
    confirm: async () => true,
    emit: () => undefined,
    ...o,
  };
}
