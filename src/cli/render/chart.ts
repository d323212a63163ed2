/** Horizontal bar charts for the terminal, with eighth-block resolution. */
const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** A bar `width` cells wide at most, `value / max` of it filled, padded with spaces. */
export function bar(value: number, max: number, width: number): string {
  const cells = max > 0 && value > 0 ? Math.max(1 / 8, (Math.min(value, max) / max) * width) : 0;
  const full = Math.floor(cells);
  const part = EIGHTHS[Math.round((cells - full) * 8)] ?? '';
  const text = '█'.repeat(full) + (full < width ? part : '');
  return text + ' '.repeat(Math.max(0, width - [...text].length));
}

export interface ChartRow {
  label: string;
  /** One bar per series, each scaled to its series' largest value. */
  values: { value: number; text: string }[];
}

export function barChart(rows: readonly ChartRow[], titles: readonly string[], barWidth = 20): string {
  if (!rows.length) return '';
  const labelWidth = Math.max(...rows.map((r) => r.label.length));
  const maxes = titles.map((_, i) => Math.max(...rows.map((r) => r.values[i]?.value ?? 0)));
  const textWidths = titles.map((_, i) => Math.max(...rows.map((r) => r.values[i]?.text.length ?? 0)));
  const cell = (i: number) => barWidth + 1 + textWidths[i];
  const header = ' '.repeat(labelWidth + 2) + titles.map((t, i) => t.padEnd(cell(i))).join('   ');
  const lines = rows.map(
    (r) => `${r.label.padEnd(labelWidth)}  ` + r.values.map((v, i) => `${bar(v.value, maxes[i], barWidth)} ${v.text.padEnd(textWidths[i])}`).join('   '),
  );
  return [header.trimEnd(), ...lines.map((l) => l.trimEnd())].join('\n');
}
