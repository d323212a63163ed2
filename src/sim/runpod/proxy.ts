/**
 * The RunPod HTTP proxy (`https://{podId}-{port}.proxy.runpod.net`, docs/reference/runpod.md §5) served on the simulator under
 * `/proxy/{podId}-{port}/…`: 502 until the service listens (and for unknown pods or ports not declared `/http`),
 * HTTP forwarded as a stream, websocket upgrades (ComfyUI's `/ws`) piped through, 524 when the upstream takes
 * longer than the proxy limit (100 s by default). The proxy adds no auth: the image's token is the gate.
 */
import http from 'http';
import net from 'net';
import type { Duplex } from 'stream';
import type { SimServer } from '../common/server';

const PROXY_PREFIX = '/proxy/';

/** Loopback base URL of the service behind `{podId}-{port}`, or undefined while nothing listens there. */
export type ProxyTarget = (podId: string, port: number) => string | undefined;

interface Parsed {
  podId: string;
  port: number;
  rest: string;
}

function parse(url: string): Parsed | undefined {
  const m = /^\/proxy\/([a-z0-9]+)-(\d+)(\/[^?]*)?(\?.*)?$/.exec(url);
  return m ? { podId: m[1], port: Number(m[2]), rest: `${m[3] ?? '/'}${m[4] ?? ''}` } : undefined;
}

function badGateway(res: http.ServerResponse, status = 502): void {
  const text = status === 524 ? 'error code: 524' : '502 Bad Gateway';
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(text);
}

export function attachProxy(server: SimServer, target: ProxyTarget, opts: { timeoutMs: number }): void {
  const upstreams = new Set<Duplex>();

  server.raw(PROXY_PREFIX, (req, res) => {
    const p = parse(req.url ?? '');
    const base = p && target(p.podId, p.port);
    if (!p || !base) return badGateway(res);
    const url = new URL(p.rest, base);
    const upstream = http.request(url, { method: req.method, headers: { ...req.headers, host: url.host } }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.setTimeout(opts.timeoutMs, () => {
      if (!res.headersSent) badGateway(res, 524);
      upstream.destroy();
    });
    upstream.on('error', () => (res.headersSent ? res.destroy() : badGateway(res)));
    // A client gone before the exchange ended: the proxy drops its upstream request too, never leaves it half-sent.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  });

  server.httpServer.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const p = parse(req.url ?? '');
    const base = p && target(p.podId, p.port);
    if (!p || !base) {
      socket.end('HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const url = new URL(base);
    const upstream = net.connect(Number(url.port), url.hostname, () => {
      const lines = [`${req.method} ${p.rest} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        const name = req.rawHeaders[i];
        lines.push(`${name}: ${name.toLowerCase() === 'host' ? url.host : req.rawHeaders[i + 1]}`);
      }
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstreams.add(upstream);
    upstream.on('close', () => {
      upstreams.delete(upstream);
      socket.destroy();
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
    socket.on('close', () => upstream.destroy());
  });

  server.onClose(() => {
    for (const s of upstreams) s.destroy();
  });
}
