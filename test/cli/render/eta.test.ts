import { EtaClock, etaSeconds, formatEta } from '../../../src/cli/render/eta';

test.each<[number | undefined, number, number, string]>([
  [59.6, 6, 12, '1m'],
  [3599.5, 6, 12, '1h'],
  [299.6, 6, 12, '5m'],
  [NaN, 6, 12, 'estimating…'], // never "NFs"
  [Infinity, 6, 12, 'estimating…'],
  [0, 2, 12, 'estimating…'], // never "0s" with ten prompts left
  [0, 6, 12, 'estimating…'],
  [0.3, 11, 12, '1s'], // work left: at least a second
  [30, 2, 12, 'estimating…'], // two prompts are too few to trust a rate
  [undefined, 5, 12, 'estimating…'],
  [0, 12, 12, 'done'],
  [10, 12, 12, 'done'],
])('formatEta(%p s, %p/%p finished) = %p', (seconds, finished, total, text) => {
  expect(formatEta(seconds, finished, total)).toBe(text);
});

test('etaSeconds: the rate since the clock started, none from too little data', () => {
  expect(etaSeconds({ finished: 2, finishedAtStart: 0, total: 12, elapsedSeconds: 10 })).toBeUndefined();
  expect(etaSeconds({ finished: 4, finishedAtStart: 0, total: 12, elapsedSeconds: 20 })).toBe(40);
  expect(etaSeconds({ finished: 9, finishedAtStart: 5, total: 12, elapsedSeconds: 8 })).toBe(6); // resumed at 5
  expect(etaSeconds({ finished: 3, finishedAtStart: 0, total: 12, elapsedSeconds: 0 })).toBeUndefined();
  expect(etaSeconds({ finished: 12, finishedAtStart: 0, total: 12, elapsedSeconds: 0 })).toBe(0);
});

test('EtaClock: starts at the first event it sees', () => {
  let now = 1_000_000;
  const clock = new EtaClock(() => now);
  expect(clock.text(0, 12)).toBe('estimating…');
  now += 5_000;
  expect(clock.text(2, 12)).toBe('estimating…');
  now += 5_000;
  expect(clock.text(4, 12)).toBe('20s'); // 4 in 10 s, 8 left
  now += 20_000;
  expect(clock.text(12, 12)).toBe('done');
});

test("EtaClock: until enough prompts finished, the plan's seconds per prompt stand in, marked as the plan's", () => {
  let now = 1_000_000;
  const clock = new EtaClock(() => now);
  clock.plan(600); // ten-minute video prompts
  expect(clock.text(0, 6)).toBe('~1h (plan)');
  now += 700_000;
  expect(clock.text(1, 6)).toBe('~50m (plan)'); // slower than planned: never counts down below the prompts left
  now += 1_300_000;
  expect(clock.text(3, 6)).toBe('33m'); // three measured: 3 in 2000 s, 3 left
  expect(clock.text(6, 6)).toBe('done');
  const unplanned = new EtaClock(() => now);
  unplanned.plan(Number.NaN);
  expect(unplanned.text(0, 6)).toBe('estimating…');
});
