/**
 * A response body handed over unread by ./transport: its chunks go straight to one synchronous sink (a file
 * descriptor's write) as the socket delivers them. No stream object sits in between: for a pull, the Readable layer
 * cost more CPU per chunk than the write itself (docs/benchmarks.md, comfy-pull and comfy-scale).
 * A chunk may be a view of the connection's read buffer (./lean-get), valid only during the sink call: what is kept
 * past it (queued before `pipe`, `text()`, `toReadable()`) is copied here, and a sink that keeps a chunk copies it.
 */
import { Readable } from 'stream';

type Sink = (chunk: Buffer) => void;

export class WireBody {
  private sink?: Sink;
  private queued: Buffer[] = [];
  private bytes = 0;
  private ended = false;
  /** The Readable of `toReadable` is full: the socket waits until it reads again. */
  private waiting = false;
  private failure?: Error;
  private settle?: { resolve: (bytes: number) => void; reject: (err: Error) => void };

  /**
   * @param resume lets the socket deliver again after `push` said "wait" (a chunk arrived before the sink)
   * @param cancel ends the request (its error reaches `fail`); undefined once the body is complete
   */
  constructor(
    private readonly resume: () => void,
    private readonly cancelRequest: (err: Error) => void,
  ) {}

  /**
   * Hands every chunk, those already here first, to `sink` as it comes; resolves with the byte count at the end of
   * the body, rejects with the wire's error (or the sink's own: it cancels the request). A chunk is valid only during
   * the sink call (the socket's read buffer): a sink that keeps it copies it.
   */
  pipe(sink: Sink): Promise<number> {
    if (this.sink || this.settle) throw new Error('a body is read once');
    return new Promise((resolve, reject) => {
      this.settle = { resolve, reject };
      this.sink = sink;
      const queued = this.queued;
      this.queued = [];
      for (const chunk of queued) if (!this.deliver(chunk)) return;
      if (this.failure) return reject(this.failure);
      if (this.ended) return resolve(this.bytes);
      if (queued.length && !this.waiting) this.resume();
    });
  }

  /** The start of the body as text (an error answer, for the adapter's translation); the rest is dropped. */
  async text(limitBytes = 64 * 1024): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = new Error('enough read');
    await this.pipe((chunk) => {
      chunks.push(Buffer.from(chunk));
      size += chunk.length;
      if (size >= limitBytes) throw stop;
    }).catch(() => undefined); // a cut error body still says what it could
    return Buffer.concat(chunks).toString('utf8');
  }

  /** Drops the body unread. */
  cancel(): void {
    if (!this.ended && !this.failure) this.cancelRequest(new Error('body not wanted'));
  }

  /** A Readable over the body, for callers that want a stream (backpressure passes to the socket). */
  toReadable(): Readable {
    let waiting = false;
    const readable = new Readable({
      read: () => {
        if (waiting) (waiting = false), (this.waiting = false), this.resume();
      },
      destroy: (err, done) => {
        this.cancel();
        done(err);
      },
    });
    this.pipe((chunk) => {
      if (!readable.push(Buffer.from(chunk))) waiting = this.waiting = true;
    }).then(
      () => readable.push(null),
      (err) => readable.destroy(err),
    );
    return readable;
  }

  /** From the transport: one chunk. False asks the socket to wait (nobody reads yet). */
  push(chunk: Buffer): boolean {
    if (this.failure) return false; // cancelled: the request is ending
    if (!this.sink) {
      this.queued.push(Buffer.from(chunk));
      return false;
    }
    return this.deliver(chunk) && !this.waiting;
  }

  end(): void {
    this.ended = true;
    if (this.sink) this.settle?.resolve(this.bytes);
  }

  fail(err: Error): void {
    if (!this.failure && !this.ended) this.reject(err);
  }

  private reject(err: Error): void {
    this.failure = err;
    if (this.sink) this.settle?.reject(err);
  }

  private deliver(chunk: Buffer): boolean {
    try {
      this.sink!(chunk);
      this.bytes += chunk.length;
      return true;
    } catch (err) {
      // Also when the whole body had come already (a small file, delivered from the queue): the pipe still fails.
      if (!this.failure) this.reject(err as Error);
      if (!this.ended) this.cancelRequest(err as Error);
      return false;
    }
  }
}
