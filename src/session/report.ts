/**
 * The end-of-session report (also stored in the journal): images, wall and billed time, actual cost against the
 * estimate, $/image, speed-up against the local RTX 3060, and what to do next. The measured seconds per image is
 * saved as calibration, so the next `estimate` for that GPU and model uses it.
 */
import path from 'path';
import { GpuburstError } from '../../providers/errors';
import { modelFilesOf, recordMeasurement } from '../estimate/measurement';
import { formatUsd, formatUsdPair } from '../estimate/money';
import { MODEL_FREE } from '../estimate/profiles';
import type { BudgetTracker } from './budget';
import { MachineRefusesBatchError } from './lifecycle/validate';
import type { Journal, SessionStatus } from './journal';
import type { Plan } from './plan';
import type { RenderResult, StopReason } from './render';
import type { TeardownOutcome } from './teardown';

export interface SessionReport {
  sessionId: string;
  status: SessionStatus;
  images: number;
  /** The profile the batch was estimated with; `model-free` when no prompt loads a model (nothing is calibrated). */
  model: string;
  /** `interrupted`: stopped while running (Ctrl-C, SIGTERM, down), left for resume; not counted in `notStarted`. */
  prompts: { total: number; done: number; failed: number; interrupted: number; notStarted: number };
  /** The ids of the interrupted prompts, so the user (and resume) knows which ones were cut short. */
  interruptedPrompts: string[];
  /** This run's wall time. */
  wallSeconds: number;
  /** The whole session's, earlier runs (resume) included: the same figures its budget counts. */
  billedSeconds: number;
  costUsd: number;
  estimateUsd: number;
  budgetUsd?: number;
  usdPerImage?: number;
  /** Median render seconds per prompt measured on the machines. */
  secondsPerImage?: number;
  localSecondsPerImage?: number;
  speedupVsLocal?: number;
  stoppedBy?: StopReason;
  /** Each distinct reason prompts failed for, once, with how many prompts it ended. */
  failures: { reason: string; prompts: number }[];
  /** Outputs still on a machine (not pulled: a local write failure or a lost connection), so none is lost silently. */
  remoteOutputs: { prompt: string; machine?: string; files: string[] }[];
  machines: TeardownOutcome[];
  outDir: string;
  /**
   * The deepest folder that holds every image pulled (the workflow's name and the SaveImage prefix's folders nest
   * below `outDir`): where the user finds them. `outDir` when nothing was pulled.
   */
  imagesDir: string;
  /** Each problem once, when a machine's own ComfyUI refused the batch before anything was queued. */
  refused?: { machine: string; promptId: string; nodeId: string; classType: string; message: string }[];
  /** Calibration saved for this GPU and model (kind local: your own GPU's measured speed). */
  calibrated?: { gpu: string; model: string; secondsPerImage: number; kind: 'cloud' | 'local' };
  /** One line for journals and `status`: what went wrong, images and cost, what to do next. */
  message: string;
  /** The same without images and cost (the report's own lines say those): what went wrong, what to do next. */
  nextSteps: string;
}

export interface ReportInput {
  journal: Journal;
  plan: Plan;
  render?: RenderResult;
  budget: BudgetTracker;
  /** What earlier runs of the session billed (resume). */
  prior?: { usd: number; billedSeconds: number };
  startedMs: number;
  teardown: TeardownOutcome[];
  failure?: unknown;
  interrupted: boolean;
  cwd: string;
}

export function buildReport(r: ReportInput): SessionReport {
  const d = r.journal.data;
  const done = d.prompts.filter((p) => p.state === 'done');
  const failed = d.prompts.filter((p) => p.state === 'failed').length;
  const interrupted = d.prompts.filter((p) => p.state === 'interrupted').map((p) => p.id);
  const images = done.reduce((n, p) => n + (p.files?.length ?? 0), 0);
  const costUsd = (r.prior?.usd ?? 0) + r.budget.spentUsd();
  const secondsPerImage = median(done.map((p) => p.seconds).filter((s): s is number => typeof s === 'number' && s > 0));
  const status = outcomeOf(r, done.length, d.prompts.length);
  const report: SessionReport = {
    sessionId: d.id,
    status,
    images,
    model: r.plan.shape.model,
    prompts: { total: d.prompts.length, done: done.length, failed, interrupted: interrupted.length, notStarted: d.prompts.length - done.length - failed - interrupted.length },
    interruptedPrompts: interrupted,
    wallSeconds: Math.round((Date.now() - r.startedMs) / 1000),
    billedSeconds: (r.prior?.billedSeconds ?? 0) + r.budget.billedSeconds(),
    costUsd,
    estimateUsd: r.plan.estimateUsd,
    budgetUsd: d.request.maxCostUsd,
    usdPerImage: images ? costUsd / images : undefined,
    secondsPerImage,
    localSecondsPerImage: r.plan.localSecondsPerImage,
    // A simulator renders at whatever speed it is told: no speed-up against a real GPU.
    // Nor for a model-free batch: the local figure is a nominal 1 s per prompt, not a measurement to compare with.
    speedupVsLocal: secondsPerImage && r.plan.localSecondsPerImage && !r.journal.data.request.simulated && r.plan.shape.model !== MODEL_FREE.name ? r.plan.localSecondsPerImage / secondsPerImage : undefined,
    stoppedBy: r.render?.stoppedBy,
    failures: distinctFailures(d.prompts),
    remoteOutputs: d.prompts.filter((p) => p.state === 'failed' && p.pullFailed).map((p) => ({ prompt: p.id, machine: p.machine, files: (p.remote ?? []).map((f) => [f.subfolder, f.filename].filter(Boolean).join('/')) })),
    machines: r.teardown,
    outDir: d.outDir,
    imagesDir: imagesDir(d.outDir, done.flatMap((p) => (p.files ?? []).map((f) => path.resolve(d.outDir, f.path)))), // journal paths are relative to outDir
    message: '',
    nextSteps: '',
  };
  if (r.failure instanceof MachineRefusesBatchError) {
    const machine = r.failure.machine;
    report.refused = r.failure.problems.map((p) => ({ machine, promptId: p.promptId, nodeId: p.nodeId, classType: p.classType, message: p.message }));
  }
  report.calibrated = calibrate(r, done.length, secondsPerImage);
  const steps = nextSteps(report, r.failure, r.render?.localWriteError);
  report.nextSteps = steps.join('; ');
  const [cost, estimate] = formatUsdPair(report.costUsd, report.estimateUsd);
  const summary = `${report.images} image(s) in ${report.imagesDir}; cost ${cost} (estimate ${estimate})`;
  report.message = [...steps.slice(0, r.failure ? 1 : 0), summary, ...steps.slice(r.failure ? 1 : 0)].join('; ');
  return report;
}

/**
 * The one word for how it ended (issue 12: never `done` with 0/12). Interrupted and budget stops keep their own
 * word; otherwise `done` only when every prompt is done, `partial` when some are, `failed` when none is.
 */
export function outcomeOf(r: Pick<ReportInput, 'failure' | 'interrupted' | 'render'>, done: number, total: number): SessionStatus {
  if (r.interrupted) return 'interrupted';
  if (r.render?.stoppedBy === 'budget') return 'stopped';
  if (done === total && !r.failure) return 'done';
  return done > 0 ? 'partial' : 'failed';
}

function calibrate(r: ReportInput, measured: number, secondsPerImage: number | undefined): SessionReport['calibrated'] {
  const machine = r.journal.data.machines.find((m) => m.readyAt);
  // Simulators render at whatever speed they are told: never a measurement.
  if (r.journal.data.request.simulated) return undefined;
  // A handful of prompts on one kind of GPU is a measurement; mixed GPUs or three images are not.
  const gpus = new Set(r.journal.data.machines.filter((m) => m.readyAt).map((m) => m.gpu));
  if (!machine || !secondsPerImage || measured < 3 || gpus.size !== 1) return undefined;
  const s = r.plan.shape;
  // Image nodes without a model measure nothing about a GPU.
  if (s.model === MODEL_FREE.name) return undefined;
  // recordMeasurement refuses what is not a measurement (simulated, a model-free prompt, a simulator's endpoint).
  const outcome = recordMeasurement(r.cwd, {
    kind: machine.provider === 'local' ? 'local' : 'cloud',
    simulated: r.journal.data.request.simulated,
    provider: machine.provider,
    gpu: machine.gpu,
    endpoint: machine.endpoint,
    model: s.model,
    modelFiles: modelFilesOf(r.plan.prompts.map((p) => p.prompt)),
    settings: s,
    secondsPerImage: secondsPerImage / s.batchSize,
    images: measured * s.batchSize,
    sessionId: r.journal.data.id,
  });
  return outcome.recorded ? { gpu: machine.gpu, model: s.model, secondsPerImage: secondsPerImage / s.batchSize, kind: outcome.entry.kind } : undefined;
}

function nextSteps(rep: SessionReport, failure: unknown, localWrite?: string): string[] {
  const parts: string[] = [];
  if (failure) parts.push(failure instanceof GpuburstError ? failure.message : String((failure as Error)?.message ?? failure));
  if (rep.stoppedBy === 'budget' && rep.budgetUsd !== undefined) parts.push(`stopped at the budget of ${formatUsd(rep.budgetUsd)}`);
  if (rep.stoppedBy === 'stall') parts.push('ended: the machines made no progress for the stall window (stallSeconds)');
  if (rep.stoppedBy === 'rejections') parts.push(`stopped queueing: the first ${rep.prompts.failed} prompts all failed (reasons above); fix the workflow and run again`);
  if (localWrite) parts.push(localWrite);
  const open = rep.machines.filter((m) => m.result === 'stopped' || m.result === 'left-running' || m.result === 'unconfirmed');
  // The commands come once, at the end, when a machine is still up; a kept machine's reason is the line before.
  if (rep.remoteOutputs.length) parts.push(`${rep.remoteOutputs.length} prompt(s)' outputs are still on the machine (listed above)${open.length ? '' : `; gpuburst resume ${rep.sessionId} pulls them`}`);
  for (const m of open) parts.push(`${m.provider} ${m.name} ${m.result}${m.message && (m.result === 'unconfirmed' || !rep.remoteOutputs.length) ? `: ${m.message}` : ''}`);
  // After a budget stop a plain resume would be refused (the budget is spent): it needs a higher one.
  const more = rep.stoppedBy === 'budget' && rep.budgetUsd !== undefined ? ` --max-cost <more than ${formatUsd(rep.budgetUsd)}>` : '';
  if (rep.prompts.interrupted) parts.push(`${rep.prompts.interrupted} prompt(s) interrupted while running (listed above)`);
  if (rep.prompts.notStarted > 0 || rep.prompts.interrupted > 0 || open.length) parts.push(`finish with: gpuburst resume ${rep.sessionId}${more}`);
  if (open.length) parts.push(`or end it with: gpuburst down ${rep.sessionId}`);
  return parts;
}

function distinctFailures(prompts: Journal['data']['prompts']): SessionReport['failures'] {
  const byReason = new Map<string, number>();
  for (const p of prompts) if (p.state === 'failed') byReason.set(p.error ?? 'unknown reason', (byReason.get(p.error ?? 'unknown reason') ?? 0) + 1);
  return [...byReason].map(([reason, n]) => ({ reason, prompts: n }));
}

function median(xs: number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** The deepest folder below `outDir` (or `outDir`) that contains every one of `files`. */
export function imagesDir(outDir: string, files: string[]): string {
  const rels = files.map((f) => path.relative(outDir, path.dirname(f)));
  // A file outside outDir (a moved journal) leaves the answer at outDir.
  if (rels.length === 0 || rels.some((r) => path.isAbsolute(r) || r.split(path.sep)[0] === '..')) return outDir;
  const parts = rels.map((r) => r.split(path.sep));
  let depth = 0;
  while (parts.every((p) => p[depth] && p[depth] === parts[0][depth])) depth++;
  return path.join(outDir, ...parts[0].slice(0, depth));
}
