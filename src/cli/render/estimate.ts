/** Human rendering of `gpuburst estimate`: the table by cost, the time/cost chart, the recommendation, the notes. */
import type { CacheEstimate } from '../../estimate/cache';
import type { Batch, EstimateRow, SkippedOffer } from '../../estimate/estimator';
import type { Pick, Recommendation } from '../../estimate/recommend';
import { label } from '../../estimate/recommend';
import { barChart } from './chart';
import { formatDuration, seconds, times, usd, usdPerHour } from './format';
import { table } from './table';
import { unknownModelNote } from '../../session/batch-shape';

interface EstimateView {
  /** `file` and `prompts` when the batch came from a batch file. */
  batch: Batch & { title: string; file?: string; prompts?: number };
  catalogDate: string;
  catalogPath: string;
  rows: EstimateRow[];
  recommendation: Recommendation;
  skipped: SkippedOffer[];
  errors: { provider: string; code: string; message: string }[];
  includeOverhead: boolean;
  calibrationFile?: string;
  /** Why (part of) the calibration file is not used, one line each. */
  calibrationNotes?: string[];
  /** Rows shown in the table and chart; 0 = all. */
  top: number;
  /** With --cache-gb: a model cache beside each cache provider's cheapest row. */
  cache?: CacheEstimate[];
}

function name(r: EstimateRow): string {
  return `${r.gpu}${r.variant ? ' ' + r.variant : ''}${r.gpuCount > 1 ? ` ×${r.gpuCount}` : ''}`;
}

function flags(r: EstimateRow): string {
  return [
    r.interruptible && 'spot',
    r.calibrated && 'calibrated',
    r.measuredLocally && 'your GPU, measured',
    (r.overridden.price || r.overridden.speed) && 'override',
    r.subscription && 'subscription',
    !r.provisionable && 'estimate only',
    r.live && 'live',
  ]
    .filter(Boolean)
    .join(', ');
}

/** The first `top` rows, plus the local row wherever it sits (it is the reference). */
function shownRows(rows: EstimateRow[], top: number): EstimateRow[] {
  if (!top || rows.length <= top) return rows;
  return rows.filter((r, i) => i < top || r.provider === 'local');
}

/** @public (loaded lazily by commands/estimate.ts). */
export function renderEstimate(v: EstimateView): string {
  const b = v.batch;
  const out: string[] = [];
  const from = b.file ? ` from ${b.file} (${b.prompts} prompt${b.prompts === 1 ? '' : 's'})` : '';
  // A model-free batch has no steps, batch size or precision to claim.
  const settings = b.model === 'model-free' ? `${b.width}×${b.height}` : `${b.steps} steps, ${b.width}×${b.height}, batch ${b.batchSize}, ${b.precision}`;
  out.push(`${b.images} × ${b.model} (${b.title})${from}, ${settings} — catalog ${v.catalogDate}`);
  if (b.unknownModel) out.push(unknownModelNote(b.unknownModel, 'estimate'));
  const shown = shownRows(v.rows, v.top);
  out.push(
    table(
      ['#', 'provider', 'GPU', '$/h', 's/img', 'render', 'overhead', 'total', 'cost', '$/image', 'vs local', 'note'],
      shown.map((r) => [
        String(v.rows.indexOf(r) + 1), r.provider, name(r), usdPerHour(r.usdPerHour, r.usdPerMonth), seconds(r.secondsPerImage),
        formatDuration(r.renderSeconds), formatDuration(r.overheadSeconds), formatDuration(r.totalSeconds),
        r.subscription ? '—' : usd(r.costUsd), r.subscription ? '—' : usd(r.usdPerImage), times(r.speedupVsLocal), flags(r),
      ]),
      ['right', 'left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'left'],
    ),
  );
  if (shown.length < v.rows.length) out.push(`${v.rows.length - shown.length} more rows: --top 0 shows all, --json lists every row with its sources.`);
  out.push('', 'Total time and cost per row (bars scaled to the largest):');
  out.push(
    barChart(
      shown.map((r) => ({
        label: `${r.provider} ${name(r)}${r.interruptible ? ' (spot)' : ''}`,
        values: [
          { value: r.totalSeconds, text: formatDuration(r.totalSeconds) },
          r.subscription ? { value: null, text: `${usdPerHour(r.usdPerHour, r.usdPerMonth)} subscription` } : { value: r.costUsd, text: usd(r.costUsd) },
        ],
      })),
      ['time', 'cost'],
    ),
  );
  out.push('', ...recommendationLines(v.recommendation), '', ...notes(v));
  return out.join('\n');
}

function recommendationLines(rec: Recommendation): string[] {
  const line = (title: string, p: Pick | null) => (p ? `  ${title.padEnd(20)} ${label(p).padEnd(38)} ${usd(p.costUsd).padStart(8)}  ${formatDuration(p.totalSeconds)}` : undefined);
  const limits = [
    rec.limits.deadlineSeconds !== undefined && formatDuration(rec.limits.deadlineSeconds),
    rec.limits.maxCostUsd !== undefined && usd(rec.limits.maxCostUsd),
  ].filter(Boolean);
  return [
    'Recommendation:',
    line('cheapest', rec.cheapest),
    line('fastest', rec.fastest),
    limits.length ? line(`within ${limits.join(' and ')}`, rec.withinLimits) : '  (give --max-cost and/or --deadline for the best offer within your limits)',
  ].filter((x): x is string => Boolean(x));
}

function notes(v: EstimateView): string[] {
  const lines: string[] = [];
  for (const r of v.rows.filter((x) => x.subscription)) {
    lines.push(`${r.provider} ${name(r)}: a ${usdPerHour(r.usdPerHour, r.usdPerMonth)} subscription, not a cost of this batch: left out of cost and $/image, listed last, never recommended.`);
  }
  for (const r of v.rows.filter((x) => !x.provisionable)) lines.push(`${r.provider} ${name(r)}: estimate only — ${r.reason ?? 'cannot be provisioned'}.`);
  for (const e of v.errors) lines.push(`${e.provider}: live offers failed (${e.code}): ${e.message}; catalog prices shown instead.`);
  for (const s of v.skipped) lines.push(`skipped ${s.provider} ${s.gpu}${s.interruptible ? ' (spot)' : ''}: ${s.reason}.`);
  if (v.rows.some((r) => r.calibrated)) lines.push(`calibrated rows use speeds measured on real runs of that provider and GPU (${v.calibrationFile}).`);
  if (v.rows.some((r) => r.measuredLocally)) lines.push(`the local row uses your GPU's measured speed (${v.calibrationFile}); it never drives a cloud row.`);
  lines.push(...(v.calibrationNotes ?? []).map((n) => `${n}.`));
  for (const c of v.cache ?? []) {
    lines.push(
      `model cache of ${c.gb} GB at ${c.provider}: ${usd(c.usdPerMonth)}/month until deleted; ≈ ${usd(c.sessionUsd)} during this batch beside its ${usd(c.batchUsd)} on ${c.gpu}; a later session with the models on it skips ~${formatDuration(c.savedDownloadSeconds)} of download (≈ ${usd(c.savedUsd)}).`,
    );
  }
  lines.push(
    v.includeOverhead
      ? 'Overhead = machine boot + image pull + model download + model load + teardown; the provider bills the parts it charges for, rounded to its increment.'
      : 'Overhead left out (--no-overhead): render time only, still rounded to each provider\'s billing increment.',
  );
  lines.push(`Prices and speeds are dated figures from ${v.catalogPath === 'bundled' ? 'the bundled catalog' : v.catalogPath}; --json shows each row's source. Spot rows can be interrupted.`);
  return lines;
}
