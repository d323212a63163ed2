/** Concurrency limits, on p-queue (a freed slot passes straight to the next task, so the limit always holds). */
import PQueue from 'p-queue';

/** `fn` over every item, at most `limit` at once; results in the items' order. Rejects with the first failure. */
export function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const queue = new PQueue({ concurrency: Math.max(1, limit) });
  return Promise.all(items.map((item) => queue.add(() => fn(item))));
}
