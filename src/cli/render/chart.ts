/** Horizontal bar charts for the terminal, with eighth-block resolution. Every row gets a mark. */
const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
/** Marks for rows without a length: nothing to show (0), not applicable (null), unknown (NaN, ∞, negative). */
export const ZERO_MARK = '·';
export const NOT_APPLICABLE_MARK = '–';
export const UNKNOWN_MARK = '?';

/**
 * A bar `width` cells wide at most, `value / max` of it filled, padded with spaces. A positive value always gets
 * at least an eighth of a cell, however small next to `max`; the rest get a one-character mark.
 */
export function bar(value: number | null, max: number, width: number): string {
  const pad = (text: string) => text + ' '.repeat(Math.max(0, width - [...text].length));
  if (value === null) return pad(NOT_APPLICABLE_MARK);
  if (!Number.isFinite(value) || value < 0) return pad(UNKNOWN_MARK);
  if (value === 0) return pad(ZERO_MARK);
  // Count whole eighths first, so a fraction that rounds up carries into a full cell instead of vanishing.
  const eighths = Math.min(width * 8, Math.max(1, Math.round((value / max) * width * 8)));
  return pad('█'.repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8]);
}

export interface ChartRow {
  label: string;
  /** One bar per series, each scaled to its series' largest finite value; null: not applicable to this row. */
  values: { value: number | null; text: string }[];
}

/** The largest finite positive value of a series (0 when there is none, and then every row gets a mark). */
function seriesMax(rows: readonly ChartRow[], i: number): number {
  return rows.reduce((max, r) => {
    const v = r.values[i]?.value;
    return typeof v === 'number' && Number.isFinite(v) && v > max ? v : max;
  }, 0);
}

export function barChart(rows: readonly ChartRow[], titles: readonly string[], barWidth = 20): string {
  if (!rows.length) return '';
  const labelWidth = Math.max(...rows.map((r) => r.label.length));
  const maxes = titles.map((_, i) => seriesMax(rows, i));
  const textWidths = titles.map((_, i) => Math.max(...rows.map((r) => r.values[i]?.text.length ?? 0)));
  const cell = (i: number) => barWidth + 1 + textWidths[i];
  const header = ' '.repeat(labelWidth + 2) + titles.map((t, i) => t.padEnd(cell(i))).join('   ');
  const lines = rows.map(
    (r) =>
      `${r.label.padEnd(labelWidth)}  ` +
      titles.map((_, i) => r.values[i] ?? { value: NaN, text: '' }).map((v, i) => `${bar(v.value, maxes[i], barWidth)} ${v.text.padEnd(textWidths[i])}`).join('   '),
  );
  return [header.trimEnd(), ...lines.map((l) => l.trimEnd())].join('\n');
}
