/**
 * Live progress of a session: a bar (prompts done/total, failures apart, ETA, spend against the plan's estimate)
 * on a terminal, plain log lines otherwise, one JSON event per line with --json. Events come from the session;
 * this only renders them. Any line for the user (an event, the Ctrl-C notice) first clears the bar, so the next
 * redraw cannot overwrite it.
 */
import type { SessionEvent } from '../../session/events';
import { hasEnded } from '../../session/journal';
import type { CliContext } from '../context';
import { redact } from '../../../providers/redact';
import { EtaClock } from './eta';
import { usd, usdPerHour } from './format';

export interface ProgressView {
  emit(e: SessionEvent): void;
  /** A line for the user outside the session's events (the Ctrl-C notice): printed above the bar, never under it. */
  log(line: string): void;
  /**
   * The plan's estimate: the spend is shown against it (the run's one estimate), and its render seconds per prompt
   * stand in for the ETA until enough prompts have finished.
   */
  setEstimate(usd: number, secondsPerPrompt?: number): void;
  stop(): void;
}

type Progress = Extract<SessionEvent, { type: 'progress' }>;

export function createProgress(ctx: CliContext, json: boolean): ProgressView {
  if (json) {
    return {
      emit: (e) => ctx.stdout.write(redact(JSON.stringify({ at: new Date().toISOString(), ...e })) + '\n'),
      log: (line) => ctx.log(line),
      setEstimate: () => undefined,
      stop: () => undefined,
    };
  }
  return ctx.isTTY ? barView(ctx) : lineView(ctx);
}

/** "10/12 prompts done, 1 failed": failed prompts are counted apart, never as images. */
export function countText(e: Pick<Progress, 'done' | 'failed' | 'total'>): string {
  return `${e.done}/${e.total} prompts done${e.failed ? `, ${e.failed} failed` : ''}`;
}

function spendText(e: Progress, estimateUsd: number | undefined): string {
  return `spent ${usd(e.spentUsd)}${estimateUsd !== undefined ? ` of ~${usd(estimateUsd)} estimated` : ''}`;
}

function describe(e: SessionEvent): string | undefined {
  switch (e.type) {
    case 'session':
      return `session ${e.id}: ${e.status}${e.message ? ` — ${e.message}` : ''}`;
    case 'machine':
      return `${e.provider} ${e.gpu} ${e.name}${e.id ? ` (${e.id})` : ''}: ${e.state}${e.usdPerHour !== undefined ? ` at ${usdPerHour(e.usdPerHour)}/h` : ''}${e.message ? ` — ${e.message}` : ''}`;
    case 'prompt':
      if (e.state === 'interrupted') return `prompt ${e.id} interrupted (${e.reason ?? 'stopped'}); left for resume`;
      return e.state === 'failed' ? `prompt ${e.id} failed: ${e.reason ?? 'unknown reason'}` : e.state === 'done' ? `prompt ${e.id} done (${e.files ?? 0} file(s))` : undefined;
    case 'progress':
      return undefined; // each view words progress itself
    case 'log':
      return `${e.level === 'warn' ? 'warning: ' : ''}${e.message}`;
  }
}

/** A failure reason is printed the first time only (twelve rejections of one node are one problem); the report counts them. */
function repeatedFailure(e: SessionEvent, seen: Set<string>): boolean {
  if (e.type !== 'prompt' || e.state !== 'failed') return false;
  const reason = e.reason ?? '';
  if (seen.has(reason)) return true;
  seen.add(reason);
  return false;
}

function lineView(ctx: CliContext): ProgressView {
  let lastProgress = 0;
  let estimateUsd: number | undefined;
  const eta = new EtaClock();
  const seen = new Set<string>();
  return {
    emit(e) {
      if (e.type === 'session' && hasEnded(e.status)) return; // the report that follows says it
      if (e.type === 'progress') {
        const etaText = eta.text(e.done + e.failed, e.total);
        if (Date.now() - lastProgress < 10_000 && e.done + e.failed < e.total) return;
        lastProgress = Date.now();
        ctx.log(`${countText(e)}, ETA ${etaText}, ${spendText(e, estimateUsd)}`);
        return;
      }
      if (repeatedFailure(e, seen)) return;
      const line = describe(e);
      if (line) ctx.log(line);
    },
    log: (line) => ctx.log(line),
    setEstimate: (x, perPrompt) => {
      estimateUsd = x;
      eta.plan(perPrompt);
    },
    stop: () => undefined,
  };
}

function barView(ctx: CliContext): ProgressView {
  // cli-progress is loaded only for a session on a terminal.
  const { SingleBar, Presets } = require('cli-progress') as typeof import('cli-progress');
  // The bar's own ETA is not used: it reads "NFs" or "0s" from a few samples. ETA and counts are ours.
  const bar = new SingleBar(
    { format: ' {bar} {counts} | ETA {etaText} | {spend}', hideCursor: true, clearOnComplete: true, stream: ctx.stderr as NodeJS.WriteStream },
    Presets.shades_classic,
  );
  let started = false;
  let estimateUsd: number | undefined;
  const eta = new EtaClock();
  const seen = new Set<string>();
  // Clear the bar before any line, so the bar's next redraw lands below the line instead of on it.
  const print = (line: string) => {
    if (started) bar.stop();
    started = false;
    ctx.log(line);
  };
  return {
    emit(e) {
      if (e.type === 'progress') {
        const finished = e.done + e.failed;
        const payload = { counts: countText(e), etaText: eta.text(finished, e.total), spend: spendText(e, estimateUsd) };
        if (!started) {
          bar.start(e.total, finished, payload);
          started = true;
        } else bar.update(finished, payload);
        return;
      }
      if (e.type === 'prompt' && e.state !== 'failed') return;
      if (e.type === 'session' && hasEnded(e.status)) return;
      if (repeatedFailure(e, seen)) return;
      const line = describe(e);
      if (line) print(line);
    },
    log: print,
    setEstimate: (x, perPrompt) => {
      estimateUsd = x;
      eta.plan(perPrompt);
    },
    stop: () => {
      if (started) bar.stop();
      started = false;
    },
  };
}
