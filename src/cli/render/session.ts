/** Text renderings of a session's plan (before renting) and its report (after teardown). */
import type { Plan } from '../../session/plan';
import type { SessionReport } from '../../session/report';
import { formatDuration as duration, usd } from './format';

export function renderPlan(plan: Plan, notes: string[]): string {
  const lines = [`${plan.prompts.length} prompt(s) from ${plan.batch.file} (${plan.shape.model}, ${plan.shape.steps} steps, ${plan.shape.width}×${plan.shape.height})`];
  if (plan.models.length) lines.push(`models to place on the machine: ${plan.models.map((m) => `${m.folder}/${m.name}`).join(', ')}`);
  lines.push('cheapest offers for this batch:');
  for (const [i, { offer, row }] of plan.ranked.slice(0, 5).entries()) {
    lines.push(`  ${i === 0 ? '→' : ' '} ${offer.provider.padEnd(10)} ${offer.gpu.padEnd(14)} $${offer.usdPerHour.toFixed(2)}/h  ~${duration(row.totalSeconds)}  ~${usd(row.costUsd)}${offer.region ? `  ${offer.region}` : ''}`);
  }
  lines.push(`estimate: ~${usd(plan.estimateUsd)} (next offers are tried in order when one has no capacity)`);
  for (const e of plan.offerErrors) lines.push(`  (${e.provider}: ${e.message})`);
  return [...lines, ...notes].join('\n');
}

export function renderReport(r: SessionReport): string {
  const p = r.prompts;
  const lines = [
    `session ${r.sessionId}: ${r.status}`,
    `images: ${r.images} (${p.done}/${p.total} prompts done${p.failed ? `, ${p.failed} failed` : ''}${p.notStarted ? `, ${p.notStarted} not run` : ''}) in ${r.outDir}`,
    `time: ${duration(r.wallSeconds)} wall, ${duration(r.billedSeconds)} billed`,
    `cost: ${usd(r.costUsd)} (estimate ${usd(r.estimateUsd)}${r.budgetUsd !== undefined ? `, budget ${usd(r.budgetUsd)}` : ''})${r.usdPerImage !== undefined ? `, ${usd(r.usdPerImage)}/image` : ''}`,
  ];
  if (r.secondsPerImage !== undefined) {
    lines.push(`speed: ${r.secondsPerImage.toFixed(2)} s/image${r.speedupVsLocal ? `, ${r.speedupVsLocal.toFixed(1)}× your local RTX 3060` : ''}${r.calibrated ? ' (saved: the next estimate for this GPU uses it)' : ''}`);
  }
  for (const m of r.machines) lines.push(`machine ${m.provider} ${m.name}${m.id ? ` (${m.id})` : ''}: ${m.result}${m.message ? ` — ${m.message}` : ''}`);
  lines.push(r.message);
  return lines.join('\n');
}
