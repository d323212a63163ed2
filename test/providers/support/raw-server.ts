/**
 * A TCP server on loopback that speaks HTTP by hand, for wire tests a real HTTP server will not misbehave enough for:
 * each request (its head) goes to `answer` with the connection and how many requests that connection carried.
 */
import net from 'net';
import type { AddressInfo } from 'net';

export interface RawServer {
  url: string;
  /** Connections accepted so far. */
  connections: number;
  /** Request heads received so far, across connections. */
  requests: string[];
  /** Resolves when every accepted connection has closed (the client let go of it). */
  allClosed: () => Promise<void>;
  close: () => Promise<void>;
}

export type Answer = (socket: net.Socket, nth: number, head: string) => void;

export async function startRawServer(answer: Answer): Promise<RawServer> {
  const open = new Set<net.Socket>();
  let waiters: (() => void)[] = [];
  const state = { connections: 0, requests: [] as string[] };
  const server = net.createServer((socket) => {
    state.connections++;
    open.add(socket);
    let nth = 0;
    let pending = '';
    socket.on('data', (data) => {
      pending += data.toString('latin1');
      for (let end = pending.indexOf('\r\n\r\n'); end >= 0; end = pending.indexOf('\r\n\r\n')) {
        const head = pending.slice(0, end);
        pending = pending.slice(end + 4);
        state.requests.push(head);
        answer(socket, ++nth, head);
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      open.delete(socket);
      if (open.size === 0) for (const w of waiters.splice(0)) w();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get connections() {
      return state.connections;
    },
    requests: state.requests,
    allClosed: () => (open.size === 0 ? Promise.resolve() : new Promise((resolve) => waiters.push(resolve))),
    close: () => {
      for (const s of open) s.destroy();
      waiters = [];
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A whole answer with Content-Length. */
export function plainAnswer(body: Buffer | string, status = '200 OK', extra = ''): Buffer {
  const bytes = Buffer.from(body);
  return Buffer.concat([Buffer.from(`HTTP/1.1 ${status}\r\ncontent-length: ${bytes.length}\r\n${extra}\r\n`), bytes]);
}
