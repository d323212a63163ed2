/** The model cache's money: monthly price per provider rule, storage pro-rated to a session, the download saved. */
import { cacheUsdPerMonth } from '../../providers/billing';
import { cacheCost } from '../../src/estimate/cache';

test.each([
  ['runpod', 100, 7],
  ['runpod', 1000, 70],
  ['runpod', 2000, 100], // over 1 TB: $0.05/GB for the whole volume
  ['lambda', 10, 2],
  ['vast', 100, 0], // no cache there
  ['paperspace', 100, 0],
] as const)('%s: %d GB cost $%d a month', (provider, gb, usd) => {
  expect(cacheUsdPerMonth(provider, gb)).toBeCloseTo(usd, 2);
});

test('storage bills the session hours at the monthly rate / 730; the saved download is at the machines\' rate', () => {
  const c = cacheCost({ usdPerMonth: 7.3, sessionSeconds: 3600, downloadSeconds: 360, usdPerHour: 0.5, pods: 2 });
  expect(c.sessionUsd).toBeCloseTo(0.01, 6);
  expect(c.usdPerMonth).toBe(7.3);
  expect(c.savedDownloadSeconds).toBe(360);
  expect(c.savedUsd).toBeCloseTo(0.1, 6); // 0.1 h × $0.50 × 2 pods
});
