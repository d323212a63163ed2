/**
 * Pre-flight validation of every expanded prompt of a batch, with the models the batch schedules and the images it
 * uploads allowed. Where it runs decides what a class unknown to the definitions means (../workflow/validate):
 * offline (the bundled core nodes) it is a custom node, which a machine has only when the batch lists node packs
 * under `nodes:`; against a live server it is an error.
 */
import { formatProblem } from '../errors';
import type { ApiPrompt, NodeProblem, ObjectInfo } from '../types';
import { COMFYUI_VERSION } from '../version';
import { validateApiPrompt } from '../workflow/validate';
import type { LoadedBatch, LoadedWorkflow } from './load';

/** What is read of an expanded prompt (./expand's ExpandedPrompt; not imported, so the two files form no cycle). */
export interface CheckedPrompt {
  id: string;
  workflow: string;
  prompt: ApiPrompt;
  uploads?: { name: string }[];
}

export interface BatchProblem extends NodeProblem {
  /** `workflows[0]` and the workflow's file, for messages. */
  where: string;
  file: string;
  /** The first prompt that shows it (each problem is listed once per workflow). */
  promptId: string;
}

/**
 * What refuses a run: the definite errors, and custom-node classes when the batch lists no node packs (one problem
 * naming them all, and the packs the UI workflows name). With `nodes:` listed, the machine's live check decides.
 */
export function validateBatch(batch: LoadedBatch, prompts: CheckedPrompt[], objectInfo: ObjectInfo): BatchProblem[] {
  const { errors, warnings } = checkBatch(batch, prompts, objectInfo);
  const custom = warnings.filter((w) => w.type === 'unknown_node_class');
  if (custom.length === 0 || listsNodePacks(batch)) return errors;
  return [...errors, packsNotListed(batch, custom)];
}

/** Errors (refuse the run) and warnings (custom nodes offline), each once per workflow. */
export function checkBatch(batch: LoadedBatch, prompts: CheckedPrompt[], objectInfo: ObjectInfo): { errors: BatchProblem[]; warnings: BatchProblem[] } {
  const scheduledModels = new Map<string, Set<string>>();
  for (const m of batch.models) scheduledModels.set(m.folder, new Set([...(scheduledModels.get(m.folder) ?? []), m.name]));
  const byName = new Map(batch.workflows.map((w) => [w.name, w]));
  const seen = new Set<string>();
  const errors: BatchProblem[] = [];
  const warnings: BatchProblem[] = [];
  for (const p of prompts) {
    const wf = byName.get(p.workflow) as LoadedWorkflow;
    const uploads = new Set((p.uploads ?? []).map((u) => u.name));
    for (const problem of validateApiPrompt(p.prompt, { objectInfo, scheduledModels, uploads, requireFiles: true })) {
      const key = `${wf.index}\0${problem.nodeId}\0${problem.type}\0${problem.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      (problem.severity === 'warning' ? warnings : errors).push({ ...problem, where: `workflows[${wf.index}]`, file: wf.file, promptId: p.id });
    }
  }
  return { errors, warnings };
}

/** One line per problem; the node-pack summary stands alone (it names no single node). */
export function formatBatchProblem(p: BatchProblem): string {
  return p.type === 'node_packs_not_listed' ? p.message : formatProblem(p);
}

/** `nodes:` in the batch file (its entries are read by the node-pack installer, not here). */
function listsNodePacks(batch: LoadedBatch): boolean {
  const nodes = (batch.spec as { nodes?: unknown }).nodes;
  return Array.isArray(nodes) && nodes.length > 0;
}

function packsNotListed(batch: LoadedBatch, custom: BatchProblem[]): BatchProblem {
  const classes = [...new Set(custom.map((c) => c.classType))];
  const packs = [...new Set(classes.flatMap((c) => batch.workflows.map((w) => w.packs?.get(c)).filter((x): x is string => Boolean(x))))];
  const named = packs.length ? `; the workflows name the pack${packs.length > 1 ? 's' : ''} ${packs.join(', ')}` : '';
  const message = `${classes.join(', ')} ${classes.length > 1 ? 'are not core nodes' : 'is not a core node'} of ComfyUI v${COMFYUI_VERSION}${named}: list the node pack${packs.length > 1 ? 's' : ''} under nodes: in the batch file so the machine installs ${packs.length > 1 ? 'them' : 'it'}`;
  return { nodeId: '', classType: classes.join(', '), type: 'node_packs_not_listed', message, where: '', file: batch.file, promptId: custom[0].promptId };
}
