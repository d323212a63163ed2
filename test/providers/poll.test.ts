/** The one poll loop, on an injected clock: it looks until a value, the deadline or an abort, never sleeping for real. */
import { pollUntil, sleep } from '../../providers/poll';

function fakeClock() {
  let t = 1_000_000;
  const slept: number[] = [];
  return { now: () => t, sleep: async (ms: number) => void (slept.push(ms), (t += ms)), slept, advance: (ms: number) => (t += ms) };
}

test('returns the first value, looking every interval', async () => {
  const clock = fakeClock();
  let looks = 0;
  const value = await pollUntil(async () => (++looks === 3 ? 'ready' : undefined), { timeoutMs: 10_000, intervalMs: 1000, ...clock });
  expect(value).toBe('ready');
  expect(looks).toBe(3);
  expect(clock.slept).toEqual([1000, 1000]);
});

test('gives up at the deadline with a last look there (the last sleep is shortened)', async () => {
  const clock = fakeClock();
  let looks = 0;
  const value = await pollUntil(async () => void looks++, { timeoutMs: 2500, intervalMs: 1000, ...clock });
  expect(value).toBeUndefined();
  expect(clock.slept).toEqual([1000, 1000, 500]);
  expect(looks).toBe(4);
});

test('a slow look counts against the deadline', async () => {
  const clock = fakeClock();
  let looks = 0;
  await pollUntil(async () => void (looks++, clock.advance(3000)), { timeoutMs: 5000, intervalMs: 1000, ...clock });
  expect(looks).toBe(2);
});

test('an aborted signal ends the poll without another look; errors from a look end it too', async () => {
  const clock = fakeClock();
  const ac = new AbortController();
  let looks = 0;
  const value = await pollUntil(async () => void (++looks === 2 && ac.abort()), { timeoutMs: 60_000, intervalMs: 1000, signal: ac.signal, ...clock });
  expect(value).toBeUndefined();
  expect(looks).toBe(2);
  await expect(pollUntil(async () => Promise.reject(new Error('auth')), { timeoutMs: 1000, intervalMs: 10, ...clock })).rejects.toThrow('auth');
});

test('sleep resolves early on abort and never rejects', async () => {
  const ac = new AbortController();
  const p = sleep(60_000, ac.signal);
  ac.abort();
  await expect(p).resolves.toBeUndefined();
  await expect(sleep(5, ac.signal)).resolves.toBeUndefined();
});
