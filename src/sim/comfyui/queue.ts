/**
 * ComfyUI's PromptQueue (execution.py): a min-heap of `[number, prompt_id, prompt, extra_data, outputs]` items,
 * the running items, and the history (insertion order, capped, written when a prompt ends). All in memory: a
 * restart loses it (reference §1.0, §1.4, §1.5).
 */
export type QueueItem = [number, string, Record<string, { class_type: string; inputs: Record<string, unknown> }>, Record<string, unknown>, string[]];

export interface HistoryRecord {
  prompt: QueueItem;
  outputs: Record<string, unknown>;
  status: { status_str: 'success' | 'error'; completed: boolean; messages: [string, Record<string, unknown>][] };
  meta: Record<string, unknown>;
}

const MAXIMUM_HISTORY_SIZE = 10000;

export class PromptQueue {
  /** Heap order, as `/queue` shows it (not sorted). */
  readonly heap: QueueItem[] = [];
  readonly running = new Map<number, QueueItem>();
  readonly history = new Map<string, HistoryRecord>();
  private taskCounter = 0;

  constructor(private readonly onChange: () => void) {}

  get remaining(): number {
    return this.heap.length + this.running.size;
  }

  put(item: QueueItem): void {
    this.heap.push(item);
    siftUp(this.heap, this.heap.length - 1);
    this.onChange();
  }

  /** Takes the lowest item and marks it running; undefined when empty. */
  get(): { item: QueueItem; taskId: number } | undefined {
    if (this.heap.length === 0) return undefined;
    const item = pop(this.heap);
    const taskId = this.taskCounter++;
    this.running.set(taskId, item);
    this.onChange();
    return { item, taskId };
  }

  taskDone(taskId: number, result: Omit<HistoryRecord, 'prompt'>): void {
    const item = this.running.get(taskId);
    if (!item) return;
    this.running.delete(taskId);
    if (this.history.size > MAXIMUM_HISTORY_SIZE) this.history.delete(this.history.keys().next().value as string);
    this.history.set(item[1], { prompt: item, ...result });
    this.onChange();
  }

  wipe(): void {
    this.heap.length = 0;
    this.onChange();
  }

  delete(promptId: string): void {
    const i = this.heap.findIndex((item) => item[1] === promptId);
    if (i < 0) return;
    this.heap.splice(i, 1);
    heapify(this.heap);
    this.onChange();
  }

  /** `GET /history` semantics: `max_items` without `offset` returns the last N. */
  historySlice(maxItems?: number, offset = -1): Record<string, HistoryRecord> {
    const out: Record<string, HistoryRecord> = {};
    let start = offset;
    if (start < 0 && maxItems !== undefined) start = this.history.size - maxItems;
    let i = 0;
    for (const [id, rec] of this.history) {
      if (i++ < start) continue;
      out[id] = rec;
      if (maxItems !== undefined && Object.keys(out).length >= maxItems) break;
    }
    return out;
  }
}

/** Python tuple order: by number, then by prompt id string. */
function less(a: QueueItem, b: QueueItem): boolean {
  return a[0] !== b[0] ? a[0] < b[0] : a[1] < b[1];
}

function siftUp(h: QueueItem[], i: number): void {
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!less(h[i], h[parent])) return;
    [h[i], h[parent]] = [h[parent], h[i]];
    i = parent;
  }
}

function siftDown(h: QueueItem[], i: number): void {
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let m = i;
    if (l < h.length && less(h[l], h[m])) m = l;
    if (r < h.length && less(h[r], h[m])) m = r;
    if (m === i) return;
    [h[i], h[m]] = [h[m], h[i]];
    i = m;
  }
}

function pop(h: QueueItem[]): QueueItem {
  const top = h[0];
  const last = h.pop() as QueueItem;
  if (h.length > 0) {
    h[0] = last;
    siftDown(h, 0);
  }
  return top;
}

function heapify(h: QueueItem[]): void {
  for (let i = (h.length >> 1) - 1; i >= 0; i--) siftDown(h, i);
}
