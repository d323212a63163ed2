/**
 * Live progress of a session: a bar (images done/total, ETA, spend so far and projected) on a terminal, plain log
 * lines otherwise, one JSON event per line with --json. Events come from the session; this only renders them.
 */
import type { SessionEvent } from '../../session/events';
import type { CliContext } from '../context';
import { redact } from '../../../providers/redact';

export interface ProgressView {
  emit(e: SessionEvent): void;
  stop(): void;
}

export function createProgress(ctx: CliContext, json: boolean): ProgressView {
  if (json) return { emit: (e) => ctx.stdout.write(redact(JSON.stringify({ at: new Date().toISOString(), ...e })) + '\n'), stop: () => undefined };
  return ctx.isTTY ? barView(ctx) : lineView(ctx);
}

function describe(e: SessionEvent): string | undefined {
  switch (e.type) {
    case 'session':
      return `session ${e.id}: ${e.status}${e.message ? ` — ${e.message}` : ''}`;
    case 'machine':
      return `${e.provider} ${e.gpu} ${e.name}${e.id ? ` (${e.id})` : ''}: ${e.state}${e.usdPerHour !== undefined ? ` at $${e.usdPerHour.toFixed(2)}/h` : ''}${e.message ? ` — ${e.message}` : ''}`;
    case 'prompt':
      return e.state === 'failed' ? `prompt ${e.id} failed: ${e.reason ?? 'unknown reason'}` : e.state === 'done' ? `prompt ${e.id} done (${e.files ?? 0} file(s))` : undefined;
    case 'progress':
      return `${e.done}/${e.total} done, ${e.failed} failed, spent $${e.spentUsd.toFixed(3)}, projected $${e.projectedUsd.toFixed(3)}`;
    case 'log':
      return `${e.level === 'warn' ? 'warning: ' : ''}${e.message}`;
  }
}

const FINAL = new Set(['done', 'failed', 'interrupted', 'stopped']);

function lineView(ctx: CliContext): ProgressView {
  let lastProgress = 0;
  return {
    emit(e) {
      if (e.type === 'session' && FINAL.has(e.status)) return; // the report that follows says it
      if (e.type === 'progress' && Date.now() - lastProgress < 10_000 && e.done + e.failed < e.total) return;
      if (e.type === 'progress') lastProgress = Date.now();
      const line = describe(e);
      if (line) ctx.log(line);
    },
    stop: () => undefined,
  };
}

function barView(ctx: CliContext): ProgressView {
  // cli-progress is loaded only for a session on a terminal.
  const { SingleBar, Presets } = require('cli-progress') as typeof import('cli-progress');
  const bar = new SingleBar(
    { format: ' {bar} {value}/{total} images | ETA {eta_formatted} | spent ${spent} of ~${projected}', hideCursor: true, clearOnComplete: false, stream: ctx.stderr as NodeJS.WriteStream },
    Presets.shades_classic,
  );
  let started = false;
  return {
    emit(e) {
      if (e.type === 'progress') {
        const payload = { spent: e.spentUsd.toFixed(3), projected: e.projectedUsd.toFixed(3) };
        if (!started) {
          bar.start(e.total, e.done + e.failed, payload);
          started = true;
        } else bar.update(e.done + e.failed, payload);
        return;
      }
      if (e.type === 'prompt' && e.state !== 'failed') return;
      if (e.type === 'session' && FINAL.has(e.status)) return;
      const line = describe(e);
      if (!line) return;
      if (started) bar.stop();
      ctx.log(line);
      if (started) {
        started = false;
      }
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}
