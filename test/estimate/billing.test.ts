import { billedSeconds, computeCostUsd, electricityCostUsd, storageCostUsd } from '../../src/estimate/billing';
import { BILLING } from '../../providers/billing';
import { loadCatalog } from '../../src/catalog/load';

const { catalog } = loadCatalog({ env: {} });
/** The one table for providers with an adapter; the catalog's rule for Colab. */
const rule = (p: keyof typeof catalog.providers) => (p in BILLING ? BILLING[p as keyof typeof BILLING] : catalog.providers[p]!.billing!);

describe('billed seconds per provider, from the billing table (and the catalog for Colab)', () => {
  test.each([
    // provider, used seconds, billed seconds
    ['runpod', 0, 0],
    ['runpod', 0.4, 1],
    ['runpod', 61.2, 62],
    ['runpod', 3600, 3600],
    ['vast', 59.01, 60],
    ['lambda', 1, 60],
    ['lambda', 60, 60],
    ['lambda', 61, 120],
    ['lambda', 3600.0000000001, 3600], // float noise does not buy a second minute
    ['paperspace', 1, 3600],
    ['paperspace', 3600, 3600],
    ['paperspace', 3601, 7200],
    ['colab', 5, 2592000],
    ['colab', 2592001, 5184000],
    ['local', 12.5, 13],
  ] as const)('%s: %d s used → %d s billed', (provider, used, billed) => {
    expect(billedSeconds(used, rule(provider))).toBe(billed);
  });

  test('a minimum applies before the increment', () => {
    expect(billedSeconds(10, { incrementSeconds: 60, minimumSeconds: 300 })).toBe(300);
    expect(billedSeconds(301, { incrementSeconds: 60, minimumSeconds: 300 })).toBe(360);
  });
});

describe('money', () => {
  test.each([
    // seconds, $/h, rule, expected USD
    [240, 0.34, { incrementSeconds: 1, minimumSeconds: 0 }, 0.34 * (240 / 3600)],
    [61, 1.1, { incrementSeconds: 60, minimumSeconds: 0 }, 1.1 * (120 / 3600)],
    [600, 0.76, { incrementSeconds: 3600, minimumSeconds: 0 }, 0.76],
    [4320, 0.34, { incrementSeconds: 1, minimumSeconds: 0 }, 0.408],
  ])('%d s at $%d/h → $%d', (seconds, usdPerHour, r, usd) => {
    expect(computeCostUsd(seconds, usdPerHour, r)).toBeCloseTo(usd, 10);
  });

  test('storage: 50 GB at $0.10/GB-month for a whole 30-day month is $5, for an hour $5/720', () => {
    expect(storageCostUsd(30 * 24 * 3600, 50, 0.1, 1)).toBeCloseTo(5, 10);
    expect(storageCostUsd(3600, 50, 0.1, 1)).toBeCloseTo(5 / 720, 10);
    expect(storageCostUsd(1, 50, 0.1, 3600)).toBeCloseTo(5 / 720, 10); // hourly increment
  });

  test('electricity: 170 W for 4 h at $0.16/kWh = 0.68 kWh = $0.1088', () => {
    expect(electricityCostUsd(4 * 3600, 170, 0.16)).toBeCloseTo(0.1088, 10);
  });
});
