import { BudgetTracker, machineBilledSeconds, machineCostUsd } from '../../src/session/budget';

describe('billing rounding (src/estimate/billing.ts, per machine)', () => {
  test.each([
    // raw, increment, minimum, billed
    [0, 1, 0, 0],
    [0.2, 1, 0, 1],
    [61, 1, 0, 61],
    [61, 60, 0, 120],
    [59, 60, 0, 60],
    [10, 1, 60, 60],
    [3601, 3600, 0, 7200],
    // An increment of 0 must not make spend infinite (or a budget that never runs out): per second.
    [61, 0, 0, 61],
  ])('%d s at increment %d, minimum %d → %d s', (raw, inc, min, billed) => {
    expect(machineBilledSeconds({ name: 'm', usdPerHour: 1, startMs: 0, endMs: raw * 1000, incrementSeconds: inc, minimumSeconds: min }, 0)).toBe(billed);
  });

  test('cost of one machine: $3.60/h for 100 s per-second is $0.10', () => {
    expect(machineCostUsd({ name: 'm', usdPerHour: 3.6, startMs: 0, endMs: 100_000, incrementSeconds: 1, minimumSeconds: 0 }, 999_999)).toBeCloseTo(0.1, 10);
  });
});

describe('budget tracker', () => {
  test('exhausted one increment (plus the teardown reserve) before the cap', () => {
    const t = new BudgetTracker(1, 10); // $1 cap, 10 s reserve
    t.start({ name: 'a', usdPerHour: 36, startMs: 0, incrementSeconds: 1, minimumSeconds: 0 }); // $0.01/s
    expect(t.exhausted(80_000)).toBe(false); // 80 s = $0.80; +11 s = $0.91
    expect(t.exhausted(90_000)).toBe(true); // 90 s + 11 s = $1.01
    expect(t.spentUsd(90_000)).toBeCloseTo(0.9, 10);
  });

  test('ended machines stop counting; no cap never exhausts', () => {
    const t = new BudgetTracker(undefined);
    t.start({ name: 'a', usdPerHour: 3600, startMs: 0, incrementSeconds: 60, minimumSeconds: 0 });
    t.end('a', 30_000);
    expect(t.spentUsd(1e9)).toBe(60); // one started minute at $1/s
    expect(t.billedSeconds(1e9)).toBe(60);
    expect(t.exhausted(1e9)).toBe(false);
  });
});
