import { bar, barChart, NOT_APPLICABLE_MARK, UNKNOWN_MARK, ZERO_MARK } from '../../../src/cli/render/chart';

const filled = (text: string) => text.trimEnd();
const eighths = (text: string) => [...filled(text)].reduce((n, c) => n + (c === '█' ? 8 : ' ▏▎▍▌▋▊▉'.indexOf(c)), 0);

test.each<[number | null, number, number, number]>([
  [10, 10, 20, 160], // the largest fills the width
  [5, 10, 20, 80],
  [0.47, 10, 20, 8], // 0.94 of a cell rounds up to a full cell (it used to vanish)
  [9.97, 10, 20, 160], // a carry into the last cell, not a missing eighth
  [0.0001, 10, 20, 1], // tiny, still visible
])('bar(%p, max %p, width %p) fills %p eighths', (value, max, width, expected) => {
  const text = bar(value, max, width);
  expect(eighths(text)).toBe(expected);
  expect([...text]).toHaveLength(width);
});

test('rows without a length still get a mark: zero, not applicable, unknown', () => {
  expect(filled(bar(0, 10, 20))).toBe(ZERO_MARK);
  expect(filled(bar(null, 10, 20))).toBe(NOT_APPLICABLE_MARK);
  for (const v of [NaN, Infinity, -1]) expect(filled(bar(v, 10, 20))).toBe(UNKNOWN_MARK);
});

test('every row of a chart gets a mark in every series; NaN in one row does not blank the others', () => {
  const costs = [0, 0.32, 0.35, 0.47, 0.48, 0.53, 10, NaN];
  const chart = barChart(
    costs.map((c, i) => ({ label: `row ${i}`, values: [{ value: 100 * (i + 1), text: `${i + 1}m` }, { value: c, text: String(c) }] })),
    ['time', 'cost'],
  );
  const lines = chart.split('\n').slice(1);
  expect(lines).toHaveLength(costs.length);
  for (const [i, line] of lines.entries()) {
    const [, timeBar, costBar] = /^row \d {2}(.{20}) \S+ +(.{1,20})/u.exec(line) ?? [];
    expect(eighths(timeBar)).toBe(Math.round(((i + 1) / costs.length) * 160));
    expect(costBar.trim()).not.toBe('');
  }
  expect(eighths(/^row 6 {2}.{20} \S+ +(.{20})/u.exec(lines[6])![1])).toBe(160); // $10 is the cost series' largest
});

test('a series with nothing finite: every row still has its mark, no bar grows', () => {
  const chart = barChart([{ label: 'a', values: [{ value: NaN, text: '—' }] }, { label: 'b', values: [{ value: 0, text: '$0' }] }], ['cost']);
  expect(chart.split('\n').slice(1)).toEqual([`a  ${UNKNOWN_MARK}${' '.repeat(19)} —`, `b  ${ZERO_MARK}${' '.repeat(19)} $0`]);
});
