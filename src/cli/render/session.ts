/**
 * Text renderings of a session's plan (before renting) and its report (after teardown). The run has one estimate,
 * the plan's (`plan.estimateUsd`): the offer lines, the estimate line, the progress bar and the report all show
 * that figure, through the one money formatter.
 */
import type { Plan } from '../../session/plan';
import type { SessionReport } from '../../session/report';
import { formatDuration as duration, formatUsdPair, usd, usdPerHour } from './format';

export function renderPlan(plan: Plan, notes: string[]): string {
  const s = plan.shape;
  // A model-free batch has no model and no steps to claim.
  const shape = s.model === 'model-free' ? `model-free: no model is loaded, ${s.width}×${s.height}` : `${s.model}, ${s.steps} steps, ${s.width}×${s.height}`;
  const lines = [`${plan.prompts.length} prompt(s) from ${plan.batch.file} (${shape})`];
  // A model the workflow's own download link brought (not the batch file's models:) says so.
  const linked = new Set((plan.batch?.models ?? []).filter((m) => m.fromWorkflow).map((m) => `${m.folder}/${m.name}`));
  const named = (m: { folder: string; name: string }) => `${m.folder}/${m.name}${linked.has(`${m.folder}/${m.name}`) ? ' (linked in the workflow)' : ''}`;
  if (plan.models.length) lines.push(`models to place on the machine: ${plan.models.map(named).join(', ')}`);
  // A resume with no fitting offer: nothing is rented, the notes say why.
  if (plan.ranked.length === 0) return [...lines, ...notes].join('\n');
  // Each ranked row is one machine's share of the batch; the session rents `pods` of them.
  const pods = plan.pods ?? 1;
  lines.push(pods > 1 ? `cheapest offers for this batch (${pods} machines, each a share; time is per machine, cost for all):` : 'cheapest offers for this batch:');
  for (const [i, { offer, row }] of plan.ranked.slice(0, 5).entries()) {
    lines.push(`  ${i === 0 ? '→' : ' '} ${offer.provider.padEnd(10)} ${offer.gpu.padEnd(14)} ${usdPerHour(offer.usdPerHour)}/h  ~${duration(row.totalSeconds)}  ~${usd(row.costUsd * pods)}${offer.region ? `  ${offer.region}` : ''}`);
  }
  lines.push(`estimate: ~${usd(plan.estimateUsd)} (next offers are tried in order when one has no capacity)`);
  for (const e of plan.offerErrors) lines.push(`  (${e.provider}: ${e.message})`);
  return [...lines, ...notes].join('\n');
}

export function renderReport(r: SessionReport): string {
  const p = r.prompts;
  const [cost, estimate] = formatUsdPair(r.costUsd, r.estimateUsd);
  const lines = [
    `session ${r.sessionId}: ${r.status}`,
    `images: ${r.images} (${p.done}/${p.total} prompts done${p.failed ? `, ${p.failed} failed` : ''}${p.interrupted ? `, ${p.interrupted} interrupted` : ''}${p.notStarted ? `, ${p.notStarted} not run` : ''}) in ${r.imagesDir}`,
    `time: ${duration(r.wallSeconds)} wall, ${duration(r.billedSeconds)} billed`,
    `cost: ${cost} (estimate ${estimate}${r.budgetUsd !== undefined ? `, budget ${usd(r.budgetUsd)}` : ''})${r.usdPerImage !== undefined ? `, ${usd(r.usdPerImage)}/image` : ''}`,
  ];
  if (r.secondsPerImage !== undefined) {
    const saved = r.calibrated ? (r.calibrated.kind === 'local' ? " (saved as your GPU's measured speed)" : ' (saved: the next estimate for this provider and GPU uses it)') : '';
    lines.push(`speed: ${r.secondsPerImage < 0.01 ? 'under 0.01' : r.secondsPerImage.toFixed(2)} s/image${r.speedupVsLocal ? `, ${r.speedupVsLocal.toFixed(1)}× your local RTX 3060` : ''}${saved}`);
  }
  for (const f of r.failures ?? []) lines.push(`failed: ${f.prompts} prompt(s): ${f.reason}`);
  if (r.interruptedPrompts?.length) lines.push(`interrupted (left for resume): ${r.interruptedPrompts.join(', ')}`);
  for (const o of r.remoteOutputs ?? []) lines.push(`on the machine${o.machine ? ` ${o.machine}` : ''}, not pulled: prompt ${o.prompt}: ${o.files.join(', ') || '(names unknown)'}`);
  for (const m of r.machines) lines.push(`machine ${m.provider} ${m.name}${m.id ? ` (${m.id})` : ''}: ${m.result}${m.message ? ` — ${m.message}` : ''}`);
  // The cost line above is the run's one cost summary; the last line only says what went wrong and what to do next.
  if (r.nextSteps) lines.push(r.nextSteps);
  return lines.join('\n');
}
