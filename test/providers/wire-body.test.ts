import { WireBody } from '../../providers/wire-body';

function body() {
  const calls = { resumed: 0, cancelled: [] as Error[] };
  const b: WireBody = new WireBody(
    () => calls.resumed++,
    (err) => {
      calls.cancelled.push(err);
      b.fail(err); // as the transport does: the request's error comes back to the body
    },
  );
  return { b, calls };
}

test('chunks that came before the sink are delivered first, in order, and the socket is resumed', async () => {
  const { b, calls } = body();
  expect(b.push(Buffer.from('ab'))).toBe(false); // nobody reads yet: the socket waits
  const got: string[] = [];
  const done = b.pipe((c) => got.push(c.toString()));
  expect(calls.resumed).toBe(1);
  expect(b.push(Buffer.from('cd'))).toBe(true);
  b.end();
  expect(await done).toBe(4);
  expect(got).toEqual(['ab', 'cd']);
});

test("a sink that throws (a full disk) cancels the request and rejects with the sink's own error", async () => {
  const { b, calls } = body();
  const full = Object.assign(new Error('no space left'), { code: 'ENOSPC', syscall: 'write' });
  const done = b.pipe(() => {
    throw full;
  });
  b.push(Buffer.from('x'));
  await expect(done).rejects.toBe(full);
  expect(calls.cancelled).toEqual([full]);
});

test('a sink that throws on a body that had already ended (all of it queued) still rejects the pipe', async () => {
  const { b, calls } = body();
  b.push(Buffer.from('small file'));
  b.end();
  const full = Object.assign(new Error('no space left'), { code: 'ENOSPC', syscall: 'write' });
  await expect(
    b.pipe(() => {
      throw full;
    }),
  ).rejects.toBe(full);
  expect(calls.cancelled).toEqual([]); // nothing left to cancel: the request is over
});

test('a wire error before or after the sink attaches rejects the pipe', async () => {
  const early = body();
  early.b.fail(new Error('reset'));
  await expect(early.b.pipe(() => undefined)).rejects.toThrow('reset');
  const late = body();
  const done = late.b.pipe(() => undefined);
  late.b.fail(new Error('body timeout'));
  await expect(done).rejects.toThrow('body timeout');
});

test('text() keeps the start of an error answer and drops the rest', async () => {
  const { b, calls } = body();
  const text = b.text(4);
  b.push(Buffer.from('{"er'));
  b.push(Buffer.from('ror": "long"}'));
  expect(await text).toBe('{"er');
  expect(calls.cancelled).toHaveLength(1);
});

test('toReadable() streams the body and ends with it', async () => {
  const { b } = body();
  const r = b.toReadable();
  b.push(Buffer.from('abc'));
  b.end();
  let text = '';
  for await (const c of r) text += (c as Buffer).toString();
  expect(text).toBe('abc');
});
