/** Creates are never retried blindly: after an ambiguous failure the machine is looked up by name first. */
import { createOnce } from '../../providers/create-once';
import { AuthError, RateLimitError, TransientError } from '../../providers/errors';

const sleep = async () => undefined;

test('a create whose answer was lost is found by name: one machine, no second create', async () => {
  const made: string[] = [];
  const send = async () => {
    made.push('m1'); // the provider made it…
    throw new TransientError('socket hang up'); // …but the answer never came
  };
  const found = await createOnce({ send, lookup: async () => (made.length ? { id: made[0] } : undefined), sleep });
  expect(found).toEqual({ id: 'm1' });
  expect(made).toEqual(['m1']);
});

test('a create that did not happen is sent again after the look-ups come back empty', async () => {
  const made: string[] = [];
  let lookups = 0;
  let sends = 0;
  const send = async () => {
    if (++sends === 1) throw new TransientError('502');
    made.push(`m${sends}`);
    return { id: made[made.length - 1] };
  };
  const m = await createOnce({ send, lookup: async () => void lookups++, lookupTries: 3, sleep });
  expect(m).toEqual({ id: 'm2' });
  expect(made).toEqual(['m2']);
  expect(lookups).toBe(3);
});

test('a refusal that is not ambiguous is not retried or looked up', async () => {
  let lookups = 0;
  let sends = 0;
  const send = async () => {
    sends++;
    throw new AuthError('bad key');
  };
  await expect(createOnce({ send, lookup: async () => void lookups++, sleep })).rejects.toBeInstanceOf(AuthError);
  expect([sends, lookups]).toEqual([1, 0]);
});

test('after maxAttempts ambiguous failures with nothing found, the last error is thrown', async () => {
  let sends = 0;
  const send = async () => {
    sends++;
    throw new TransientError(`timeout ${sends}`);
  };
  await expect(createOnce({ send, lookup: async () => undefined, maxAttempts: 2, lookupTries: 1, sleep })).rejects.toThrow('timeout 2');
  expect(sends).toBe(2);
});

test('a create refused by a 429 is sent again after the wait it asked for, with no look-up', async () => {
  let sends = 0;
  let lookups = 0;
  const waits: number[] = [];
  const send = async () => {
    if (++sends <= 2) throw new RateLimitError('launch limit', { retryAfterSeconds: 12 });
    return { id: 'm1' };
  };
  const m = await createOnce({ send, lookup: async () => void lookups++, maxAttempts: 1, sleep: async (ms: number) => void waits.push(ms) });
  expect(m).toEqual({ id: 'm1' });
  expect([sends, lookups]).toEqual([3, 0]);
  // Retry-After 12 s, plus at most the 5 s base of jitter; maxAttempts (ambiguous failures) is not used up.
  for (const ms of waits) expect(ms).toBeGreaterThanOrEqual(12_000);
  for (const ms of waits) expect(ms).toBeLessThan(17_000);
});

test('429s without Retry-After wait longer each time, and the last one is thrown past rateLimitRetries', async () => {
  let sends = 0;
  const waits: number[] = [];
  const send = async () => {
    sends++;
    throw new RateLimitError(`limited ${sends}`);
  };
  await expect(createOnce({ send, lookup: async () => undefined, rateLimitRetries: 3, rateLimitBaseMs: 1000, sleep: async (ms: number) => void waits.push(ms) })).rejects.toThrow('limited 4');
  expect(sends).toBe(4);
  expect(waits).toHaveLength(3);
  // Full jitter under a doubling ceiling (1, 2, 4 s), never under half the base.
  waits.forEach((ms) => expect(ms).toBeGreaterThanOrEqual(500));
  waits.forEach((ms, i) => expect(ms).toBeLessThanOrEqual(1000 * 2 ** i));
});
