/** mapLimit never runs more than its limit at once and keeps the items' order. */
import { mapLimit } from '../../providers/limit';

test('at most `limit` at once, results in order', async () => {
  let active = 0;
  let peak = 0;
  const out = await mapLimit([5, 1, 4, 2, 3, 0], 2, async (ms) => {
    peak = Math.max(peak, ++active);
    await new Promise((r) => setTimeout(r, ms));
    active--;
    return ms * 10;
  });
  expect(out).toEqual([50, 10, 40, 20, 30, 0]);
  expect(peak).toBe(2);
});

test('the first failure rejects the whole map', async () => {
  await expect(mapLimit([1, 2, 3], 3, async (x) => (x === 2 ? Promise.reject(new Error('two')) : x))).rejects.toThrow('two');
});
