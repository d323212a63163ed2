/** The pure retry-delay rule: exponential backoff with full jitter, a floor of half the base, a cap, Retry-After. */
import { backoffMs, parseRetryAfter, retryDelayMs } from '../../providers/retry';

test.each([
  // attempt, base, max, random, retryAfterSeconds, expected ms
  [1, 500, 30_000, 0.99, undefined, 495], // ceiling 500
  [2, 500, 30_000, 0.99, undefined, 990], // ceiling 1000
  [3, 500, 30_000, 0.5, undefined, 1000], // half of 2000
  [10, 500, 30_000, 0.99, undefined, 29_700], // capped at 30 s
  [10, 500, 30_000, 0, undefined, 250], // never below half the base
  [1, 500, 30_000, 0, undefined, 250],
  [4, 100, 1000, 0.5, undefined, 400], // ceiling 800
  [1, 500, 30_000, 0.5, 3, 3250], // Retry-After 3 s + jitter of up to one base
  [5, 500, 30_000, 0, 0, 0], // Retry-After 0: at once
  [1, 500, 30_000, 0.5, -1, 250], // a nonsense header is ignored
  [1, 500, 30_000, 0.5, Number.NaN, 250],
])('attempt %i, base %i, max %i, random %f, Retry-After %s → %i ms', (attempt, baseMs, maxMs, random, retryAfterSeconds, expected) => {
  expect(retryDelayMs({ attempt, baseMs, maxMs, random, retryAfterSeconds })).toBe(expected);
});

test('jitter spreads clients: different random draws give different delays within [base/2, ceiling]', () => {
  const delays = [0.1, 0.3, 0.6, 0.9].map((r) => backoffMs(4, 200, 10_000, () => r));
  expect(new Set(delays).size).toBe(4);
  for (const d of delays) expect(d).toBeGreaterThanOrEqual(100);
  for (const d of delays) expect(d).toBeLessThanOrEqual(1600);
});

test.each([
  ['120', 120],
  [' 1.5 ', 1.5],
  ['Wed, 02 Dec 2026 10:00:30 GMT', 30],
  ['Wed, 02 Dec 2026 09:59:00 GMT', 0], // a date in the past: at once
  ['soon', undefined],
  ['', undefined],
  [undefined, undefined],
])('Retry-After %j → %s s', (header, expected) => {
  expect(parseRetryAfter(header, Date.parse('2026-12-02T10:00:00Z'))).toBe(expected);
});
