import { formatDuration, parseDurationSeconds } from '../../src/estimate/duration';

test.each<[number, string]>([
  [0, '0s'],
  [0.4, '0s'],
  [52, '52s'],
  [59.4, '59s'],
  [59.6, '1m'], // carries into the minute, never "60s"
  [61, '1m01s'],
  [299.6, '5m'], // never "4m60s"
  [245, '4m05s'],
  [599.6, '10m'],
  [2280, '38m'],
  [3569, '59m'],
  [3599.5, '1h'], // never "60m"
  [3600 * 4 + 27 * 60, '4h27m'],
  [86399, '1d'], // never "23h60m"
  [86400 * 2 + 3 * 3600, '2d3h'],
  [NaN, '—'],
  [Infinity, '—'],
  [-5, '—'],
])('formatDuration(%p) = %p', (seconds, text) => {
  expect(formatDuration(seconds)).toBe(text);
});

test('parse and format agree on whole units', () => {
  for (const text of ['45s', '5m', '38m', '2h', '1h30m', '2d3h']) expect(formatDuration(parseDurationSeconds(text, '--deadline'))).toBe(text);
});
