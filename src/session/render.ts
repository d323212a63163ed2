/**
 * Runs the batch on every ready machine at once: one prompt runner per machine, all pulling from one shared queue
 * (so a fast machine simply takes more), outputs pulled as each prompt finishes into `<out>/<session>/<workflow>/`,
 * every state change journaled. The budget is checked every second: when one more billing increment would pass
 * the cap, queueing stops, what runs finishes and is pulled. A signal (Ctrl-C, SIGTERM, down) interrupts what runs
 * instead: outputs already made are pulled, the interrupted prompts are journaled `interrupted` for resume.
 */
import path from 'path';
import type { GpuburstError } from '../../providers/errors';
import type { ExpandedPrompt } from '../comfy/batch/expand';
import type { NodeOutputFile, PulledFile as ComfyPulledFile } from '../comfy/outputs';
import { PromptRunner } from '../comfy/runner';
import type { BudgetTracker } from './budget';
import type { Emit } from './events';
import type { Journal, PromptRecord } from './journal';
import type { LiveMachine } from './lifecycle';
import { formatUsd } from '../estimate/money';

export interface RenderOptions {
  journal: Journal;
  machines: LiveMachine[];
  prompts: ExpandedPrompt[];
  /** `<out>/<session>`: each workflow's images go to a folder of its name below it. */
  sessionDir: string;
  budget: BudgetTracker;
  signal?: AbortSignal;
  emit: Emit;
  aheadCount?: number;
  /** No prompt ending for this long ends rendering (the runners are left to the teardown). @default 1200 */
  stallSeconds?: number;
  /** After Ctrl-C, how long a prompt may keep running after its interrupt before it is left for resume. @default 30 */
  interruptGraceSeconds?: number;
  /** Projected spend of the remaining work, for progress lines. */
  projectUsd?: (remaining: number) => number;
  /**
   * Every second while prompts end: the wall time the rest should take at this run's measured pace (the machines'
   * lifetime cap follows it, ./lifecycle); undefined once rendering stops or nothing has ended yet.
   */
  onPace?: (remainingSeconds: number | undefined) => void;
}

/**
 * budget: the next increment would pass the cap; signal: Ctrl-C / SIGTERM; rejections: the first REJECTION_STOP
 * prompts to end all failed and none succeeded (the rest would fail alike); local-write: an output could not be
 * written here; stall: nothing progressed for the stall window.
 */
export type StopReason = 'budget' | 'signal' | 'rejections' | 'local-write' | 'stall';

/** The first prompts to end all failed, none done: stop queueing the rest (issue 12: queueing went on after rejections). */
const REJECTION_STOP = 3;

/** Errors of this computer's disk, not of the machine: rendering more only makes more outputs that cannot land. */
const LOCAL_WRITE_CODES = new Set(['ENOSPC', 'EACCES', 'EPERM', 'EROFS', 'EDQUOT', 'ENOTDIR', 'EISDIR', 'EMFILE']);

/** The errno of a local write failure, looked for through `cause` (the download wraps it in a TransientError). */
export function localWriteCode(err: unknown): string | undefined {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && LOCAL_WRITE_CODES.has(code)) return code;
  }
  return undefined;
}

export interface RenderResult {
  done: number;
  failed: number;
  notStarted: number;
  /** Stopped while running by Ctrl-C / SIGTERM / down (left for resume); counted in notStarted too. */
  interrupted: number;
  stoppedBy?: StopReason;
  /** Set when writing an output on this computer failed (ENOSPC, EACCES, …): rendering stopped at once. */
  localWriteError?: string;
  /** Machine errors that ended a runner early (unreachable ComfyUI, auth). */
  machineErrors: { machine: string; message: string }[];
}

/**
 * ComfyUI's own file name, made unique and stable with the prompt's id hash: `sd15_00001_-220ccfff26b2.png`.
 * Several machines all count from 00001, so ComfyUI's name alone would collide.
 */
export function localOutputName(id: string, file: { filename: string }): string {
  const ext = path.extname(file.filename);
  const hash = id.slice(id.lastIndexOf('-') + 1);
  return `${path.basename(file.filename, ext)}-${hash}${ext}`;
}

export async function renderAll(o: RenderOptions): Promise<RenderResult> {
  const records = new Map<string, PromptRecord>(o.journal.data.prompts.map((p) => [p.id, p]));
  const byId = new Map(o.prompts.map((p) => [p.id, p]));
  const total = o.prompts.length;
  let stoppedBy: RenderResult['stoppedBy'];
  const runners: PromptRunner[] = [];
  let localWriteError: string | undefined;
  // A stall cannot be stopped politely (stop() waits for the running prompt): rendering ends without the runners.
  const startMs = Date.now();
  let lastEndMs = startMs;
  let endsThisRun = 0;
  let onStall: () => void = () => undefined;
  const stalled = new Promise<'stalled'>((resolve) => (onStall = () => resolve('stalled')));
  const graceMs = (o.interruptGraceSeconds ?? 30) * 1000;
  // A signal does not wait for running prompts (a long video prompt would bill on): they are interrupted.
  const halt = (r: PromptRunner) => (o.signal?.aborted ? r.interrupt(graceMs) : r.stop());
  const stopAll = (why: StopReason) => {
    stoppedBy ??= why;
    for (const r of runners) halt(r);
  };
  const onAbort = () => stopAll('signal');
  o.signal?.addEventListener('abort', onAbort);

  const counts = () => {
    let done = 0;
    let failed = 0;
    for (const r of records.values()) {
      if (r.state === 'done') done++;
      else if (r.state === 'failed') failed++;
    }
    return { done, failed };
  };
  const progress = () => {
    const { done, failed } = counts();
    const spentUsd = o.budget.spentUsd();
    o.emit({ type: 'progress', done, failed, total, spentUsd, projectedUsd: spentUsd + (o.projectUsd?.(total - done - failed) ?? 0) });
  };
  const stallSeconds = o.stallSeconds ?? 1200;
  const budgetTimer = setInterval(() => {
    // A prompt can take longer than the window (a video): once none ended for a quarter of it, steps count too.
    if ((Date.now() - lastEndMs) / 1000 >= stallSeconds / 4) for (const r of runners) r.listenForSteps();
    const lastWorkMs = Math.max(lastEndMs, ...runners.map((r) => r.lastStepAt()));
    const quietSeconds = (Date.now() - lastWorkMs) / 1000;
    if (!stoppedBy && quietSeconds >= stallSeconds) {
      o.emit({ type: 'log', level: 'warn', message: `stalled: no prompt finished and no step was made for ${Math.round(quietSeconds)} s; ending the session (what was pulled stays)` });
      stopAll('stall');
      for (const r of runners) r.abandon();
      onStall();
    }
    if (o.budget.exhausted()) {
      if (!stoppedBy) o.emit({ type: 'log', level: 'warn', message: `budget: one more billing increment would pass ${formatUsd(o.budget.capUsd ?? NaN)}; stopping the queue, pulling what is done` });
      stopAll('budget');
    }
    const { done, failed } = counts();
    const left = total - done - failed;
    o.onPace?.(stoppedBy || endsThisRun === 0 ? undefined : (left * (Date.now() - startMs)) / endsThisRun / 1000);
    progress();
  }, 1000);

  const update = (id: string, change: Partial<PromptRecord>, event?: { reason?: string; files?: number }) => {
    const rec = records.get(id);
    if (!rec) return;
    if (change.state === 'done' || change.state === 'failed') {
      lastEndMs = Date.now();
      endsThisRun++;
    }
    o.journal.later(() => Object.assign(rec, change));
    o.emit({ type: 'prompt', id, state: rec.state, machine: rec.machine, ...event });
  };

  const makeRunner = (m: LiveMachine) =>
    new PromptRunner({
      client: m.client,
      outputDir: o.sessionDir,
      outputSubfolder: (id: string) => byId.get(id)?.workflow ?? 'outputs',
      aheadCount: o.aheadCount,
      isDone: (id) => records.get(id)?.state === 'done',
      localName: localOutputName,
      callbacks: {
        onQueued: (id, promptId) => update(id, { state: 'queued', machine: m.record.name, comfyPromptId: promptId }),
        onRunning: (id) => update(id, { state: 'running', startedAt: new Date().toISOString() }),
        onDone: (id, files: ComfyPulledFile[], renderSeconds?: number) => {
          const started = records.get(id)?.startedAt;
          update(
            id,
            {
              state: 'done',
              endedAt: new Date().toISOString(),
              // The server's own start and end stamps; without them, from when we saw it start to its pull.
              seconds: renderSeconds ?? (started ? (Date.now() - Date.parse(started)) / 1000 : undefined),
              files: files.map((f) => ({ path: path.relative(o.sessionDir, f.path), bytes: f.bytes })),
              error: undefined,
            },
            { files: files.length },
          );
        },
        onFailed: (id, reason: string, _err?: GpuburstError, stage?: 'render' | 'pull', files?: NodeOutputFile[], cause?: unknown) => {
          update(
            id,
            { state: 'failed', error: reason, endedAt: new Date().toISOString(), pullFailed: stage === 'pull' || undefined, remote: stage === 'pull' ? files?.map(({ nodeId, filename, subfolder, type }) => ({ nodeId, filename, subfolder, type })) : undefined },
            { reason },
          );
          const code = stage === 'pull' ? localWriteCode(cause) : undefined;
          if (code && !localWriteError) {
            localWriteError = `writing outputs to ${o.sessionDir} failed (${code}); rendering stopped, outputs not pulled stay on the machine`;
            o.emit({ type: 'log', level: 'warn', message: localWriteError });
            stopAll('local-write');
          }
          const { done, failed } = counts();
          if (done === 0 && failed >= REJECTION_STOP && failed < total && !stoppedBy) {
            o.emit({ type: 'log', level: 'warn', message: `the first ${failed} prompts all failed and none succeeded; not queueing the other ${total - failed} (they would fail alike)` });
            stopAll('rejections');
          }
        },
        onCancelled: (id) => update(id, { state: 'pending', machine: undefined, comfyPromptId: undefined }),
        onInterrupted: (id, reason, files) =>
          update(id, { state: 'interrupted', error: reason, endedAt: new Date().toISOString(), files: files.length ? files.map((f) => ({ path: path.relative(o.sessionDir, f.path), bytes: f.bytes })) : undefined }, { reason }),
      },
    });

  const machineErrors: RenderResult['machineErrors'] = [];
  const unfinished = () => o.prompts.filter((p) => !['done', 'failed'].includes(records.get(p.id)?.state ?? 'pending'));
  try {
    // Rounds: prompts that a lost machine held go back to the machines still standing.
    let alive = o.machines;
    for (let round = 0; round < 3 && alive.length && !stoppedBy && unfinished().length; round++) {
      // One queue for all machines: each runner takes the next prompt not finished yet.
      const queue = (function* (items: ExpandedPrompt[]) {
        yield* items;
      })(unfinished());
      const lost = new Set<LiveMachine>();
      const finished = Promise.all(
        alive.map(async (m) => {
          const runner = makeRunner(m);
          runners.push(runner);
          if (stoppedBy) halt(runner);
          try {
            await runner.run(queue);
          } catch (err) {
            lost.add(m);
            machineErrors.push({ machine: m.record.name, message: (err as Error).message });
            o.emit({ type: 'log', level: 'warn', message: `${m.record.name}: ${(err as Error).message}` });
          }
        }),
      );
      if ((await Promise.race([finished, stalled])) === 'stalled') break;
      alive = alive.filter((m) => !lost.has(m));
      if (lost.size === 0) break;
    }
  } finally {
    clearInterval(budgetTimer);
    o.onPace?.(undefined);
    o.signal?.removeEventListener('abort', onAbort);
    o.journal.flush();
    progress();
  }
  const { done, failed } = counts();
  const interrupted = [...records.values()].filter((r) => r.state === 'interrupted').length;
  return { done, failed, notStarted: total - done - failed, interrupted, stoppedBy, localWriteError, machineErrors };
}
