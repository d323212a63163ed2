import { BadInputError } from '../../providers/errors';
import type { EstimateRow } from '../../src/estimate/estimator';
import { recommend } from '../../src/estimate/recommend';

/** Only the fields the recommendation reads matter. */
function row(provider: string, gpu: string, costUsd: number, totalSeconds: number, provisionable = true): EstimateRow {
  return { provider, gpu, costUsd, totalSeconds, provisionable, interruptible: false, offerId: `${provider}-${gpu}`, usdPerImage: costUsd / 100 } as EstimateRow;
}

const rows = [
  row('local', 'RTX 3060', 0, 16000),
  row('vast', 'RTX 4090', 0.45, 4300),
  row('runpod', 'RTX 4090', 0.75, 4400),
  row('runpod', 'H100 80GB', 1.9, 2100),
  row('vast', 'RTX 3060', 0.7, 16300),
  row('colab', 'A100 40GB', 10, 1500, false),
];
const names = (r: ReturnType<typeof recommend>) => [r.cheapest?.offerId, r.fastest?.offerId, r.withinLimits?.offerId];

test('cheapest and fastest without limits; estimate-only rows are never recommended', () => {
  expect(names(recommend(rows, {}))).toEqual(['local-RTX 3060', 'runpod-H100 80GB', undefined]);
});

test('deadline: the cheapest row that finishes in time', () => {
  expect(recommend(rows, { deadlineSeconds: 2 * 3600 }).withinLimits?.offerId).toBe('vast-RTX 4090');
  expect(recommend(rows, { deadlineSeconds: 3000 }).withinLimits?.offerId).toBe('runpod-H100 80GB');
});

test('cost cap alone: the fastest row within it', () => {
  expect(recommend(rows, { maxCostUsd: 1 }).withinLimits?.offerId).toBe('vast-RTX 4090');
  expect(recommend(rows, { maxCostUsd: 0.1 }).withinLimits?.offerId).toBe('local-RTX 3060');
});

test('both: the cheapest row meeting both', () => {
  expect(recommend(rows, { maxCostUsd: 1, deadlineSeconds: 4400 }).withinLimits?.offerId).toBe('vast-RTX 4090');
});

test('a deadline nothing meets is a BadInputError saying what the fastest needs', () => {
  expect(() => recommend(rows, { deadlineSeconds: 1800 })).toThrow(BadInputError);
  expect(() => recommend(rows, { deadlineSeconds: 1800 })).toThrow(
    '--deadline 30m: no offer finishes in time; the fastest, runpod H100 80GB, needs 35m; accepted: a deadline of at least that',
  );
});

test('limits that cannot both be met say which row meets the deadline and at what cost', () => {
  expect(() => recommend(rows, { deadlineSeconds: 3000, maxCostUsd: 1 })).toThrow(
    '--deadline 50m with --max-cost $1.00: no offer meets both; within 50m the cheapest is runpod H100 80GB at $1.90',
  );
  const paid = rows.filter((r) => r.costUsd > 0);
  expect(() => recommend(paid, { maxCostUsd: 0.2 })).toThrow('--max-cost $0.20: no offer costs that little; the cheapest, vast RTX 4090, costs $0.45');
});

test('limits with only estimate-only rows left cannot be met', () => {
  expect(() => recommend([row('colab', 'A100 40GB', 10, 1500, false)], { deadlineSeconds: 3600 })).toThrow(/every row left is estimate-only/);
});
