/**
 * A stand-in for the internet in simulated sessions: the machine agent fetches `/fetch?url=<model url>` instead of
 * the real URL and gets deterministic bytes derived from the URL. Real model files cannot be served offline, so
 * their sha256 cannot match; a simulated world says so and the agent skips that one check (GPUBURST_SKIP_SHA256).
 */
import crypto from 'crypto';
import http from 'http';
import type { AddressInfo } from 'net';

export interface CdnOptions {
  bytes?: number;
  /** Wait this long before answering each download: a slow link, so tests can act while models are placed. */
  delayMs?: number;
}

export interface Cdn {
  url: string;
  requests: string[];
  /** Changeable while running (the fault matrix slows downloads for one case). */
  delayMs: number;
  close(): Promise<void>;
}

export async function startCdn(opts: CdnOptions = {}): Promise<Cdn> {
  const size = opts.bytes ?? 64 * 1024;
  const requests: string[] = [];
  const server = http.createServer(async (req, res) => {
    const target = new URL(req.url ?? '/', 'http://cdn.local').searchParams.get('url');
    if (!target || !/^https?:\/\//.test(target)) {
      res.writeHead(400, { 'content-type': 'text/plain' });
      return void res.end('expected /fetch?url=<http(s) url>');
    }
    requests.push(target);
    if (cdn.delayMs > 0) await new Promise((r) => setTimeout(r, cdn.delayMs));
    const seed = crypto.createHash('sha256').update(target).digest();
    const body = Buffer.alloc(size);
    for (let i = 0; i < size; i += seed.length) seed.copy(body, i);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(size) });
    res.end(body);
  });
  const cdn: Cdn = {
    url: '',
    requests,
    delayMs: opts.delayMs ?? 0,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  cdn.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return cdn;
}
