import { formatUsd, formatUsdPair, formatUsdPerHour } from '../../src/estimate/money';

test.each<[number, string]>([
  [0, '$0'],
  [0.00041, '$0.00041'],
  [0.0041, '$0.0041'],
  [0.004, '$0.004'],
  [0.01, '$0.01'],
  [0.0001, '$0.0001'],
  [0.0099999, '$0.01'], // rounding carries into the next digit
  [0.012, '$0.012'],
  [0.0999, '$0.10'], // carries into cents
  [0.1, '$0.10'],
  [0.41, '$0.41'],
  [2, '$2.00'],
  [9.999, '$10.00'],
  [12.3, '$12.30'],
  [1234.5, '$1,234.50'],
  [999.999, '$1,000.00'], // rounding carries into a new group
  [1234567.891, '$1,234,567.89'],
  [100000, '$100,000.00'],
  [1e22, '$10,000,000,000,000,000,000,000.00'], // toFixed would write 1e+22 (a --max-cost of 1e22)
  [1e-9, '<$0.000001'],
  [-0.0041, '-$0.0041'],
  [NaN, '—'],
  [Infinity, '—'],
])('formatUsd(%p) = %p', (x, text) => {
  expect(formatUsd(x)).toBe(text);
});

test.each<[number, number, [string, string]]>([
  [0.004, 0.012, ['$0.004', '$0.012']], // "budget $0.00 is below the estimate $0.01" no more
  [0.0001, 0.0123, ['$0.0001', '$0.012']],
  [0.01, 0.0100001, ['$0.01', '$0.0100001']],
  [2, 2.004, ['$2.00', '$2.004']], // one more digit, only because they would look equal
  [0.0125, 0.01251, ['$0.0125', '$0.01251']],
  [1.5, 1.5, ['$1.50', '$1.50']],
])('formatUsdPair(%p, %p) never shows unequal figures as equal', (a, b, texts) => {
  expect(formatUsdPair(a, b)).toEqual(texts);
});

test.each<[number, number | undefined, string]>([
  [0.34, undefined, '$0.34'],
  [0.125, undefined, '$0.125'],
  [0.3, undefined, '$0.30'],
  [1.2, undefined, '$1.20'],
  [2.39, undefined, '$2.39'],
  [0, undefined, '—'],
  [10 / 720, 10, '$10/mo'],
])('formatUsdPerHour(%p, %p) = %p', (x, month, text) => {
  expect(formatUsdPerHour(x, month)).toBe(text);
});
