/**
 * The batch against the server that will render it: once per machine, after it is ready and before its first
 * prompt is queued, the machine's live `/object_info` (the node packs it has, the models its agent placed)
 * validates every prompt in `server` mode. The offline check before renting knows only the core nodes; this one
 * knows the machine. A machine that refuses any prompt gets none: the caller ends the session (its teardown runs
 * at once) and the error lists each problem once, with prompt, node id and class.
 */
import { BadInputError } from '../../../providers/errors';
import { checkBatch, BatchProblem } from '../../comfy/batch/check';
import type { ExpandedPrompt } from '../../comfy/batch/expand';
import type { LoadedBatch } from '../../comfy/batch/load';
import type { Emit } from '../events';
import type { LiveMachine } from './index';

/** A machine's ComfyUI refuses prompts of the batch (ERR_BAD_INPUT: the batch, not the machine, must change). */
export class MachineRefusesBatchError extends BadInputError {
  constructor(
    readonly machine: string,
    readonly problems: BatchProblem[],
  ) {
    const lines = problems.map((p) => `prompt ${p.promptId} node ${p.nodeId} (${p.classType || 'unknown class'}): ${p.message}`);
    super(`the ComfyUI on ${machine} refuses ${problems.length} problem(s) of the batch; nothing was queued and the session ends:\n  ${lines.join('\n  ')}`);
  }
}

export interface BatchToCheck {
  batch: LoadedBatch;
  prompts: ExpandedPrompt[];
}

/** Resolves when every machine accepts every prompt; otherwise throws MachineRefusesBatchError for the first that does not. */
export async function validateOnMachines(machines: LiveMachine[], plan: BatchToCheck, emit: Emit): Promise<void> {
  const checked = await Promise.all(
    machines.map(async (m) => {
      const live = await m.client.objectInfo();
      // A server of the user's is known by its address, a rented machine by its name.
      const name = m.record.provider === 'local' ? `local ComfyUI ${m.machine.endpoint ?? m.record.name}` : `${m.record.provider} ${m.record.name}`;
      return { name, errors: checkBatch(plan.batch, plan.prompts, live).errors };
    }),
  );
  const refused = checked.filter((c) => c.errors.length);
  if (refused.length === 0) return;
  for (const other of refused.slice(1)) emit({ type: 'log', level: 'warn', message: `${other.name} refuses the batch too (${other.errors.length} problem(s))` });
  throw new MachineRefusesBatchError(refused[0].name, refused[0].errors);
}
