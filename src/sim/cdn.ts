/**
 * A stand-in for the internet in simulated sessions: the machine agent fetches `/fetch?url=<model url>` instead of
 * the real URL and gets the stand-in file for that URL: deterministic bytes derived from it, so every download of a
 * URL is the same file with a known sha256 (`sha256Of`). The real files cannot be served offline, so a simulated
 * machine is told the stand-in's digest where the batch states the real one (../common/agent-launcher.ts); the agent
 * checks every download against it as on a real machine, and `corrupt` damages a URL's transfer to prove it does.
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
  /** The sha256 of the stand-in file this CDN serves for `url`. */
  sha256Of(url: string): string;
  /** URLs whose transfer arrives damaged (one byte flipped): the agent must refuse the file. */
  corrupt: Set<string>;
  /** Changeable while running (the fault matrix slows downloads for one case). */
  delayMs: number;
  close(): Promise<void>;
}

const DEFAULT_BYTES = 64 * 1024;

/** The stand-in file for `url`: `bytes` long, the URL's sha256 repeated, so every download of a URL is identical. */
function standInFile(url: string, bytes = DEFAULT_BYTES): Buffer {
  const seed = crypto.createHash('sha256').update(url).digest();
  const body = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i += seed.length) seed.copy(body, i);
  return body;
}

/** What a batch states as `sha256:` to be truthful about the stand-in file of `url`. */
export function standInSha256(url: string, bytes = DEFAULT_BYTES): string {
  return crypto.createHash('sha256').update(standInFile(url, bytes)).digest('hex');
}

export async function startCdn(opts: CdnOptions = {}): Promise<Cdn> {
  const size = opts.bytes ?? DEFAULT_BYTES;
  const requests: string[] = [];
  const server = http.createServer(async (req, res) => {
    const target = new URL(req.url ?? '/', 'http://cdn.local').searchParams.get('url');
    if (!target || !/^https?:\/\//.test(target)) {
      res.writeHead(400, { 'content-type': 'text/plain' });
      return void res.end('expected /fetch?url=<http(s) url>');
    }
    requests.push(target);
    if (cdn.delayMs > 0) await new Promise((r) => setTimeout(r, cdn.delayMs));
    const body = standInFile(target, size);
    if (cdn.corrupt.has(target)) body[size >> 1] ^= 0xff;
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(size) });
    res.end(body);
  });
  const cdn: Cdn = {
    url: '',
    requests,
    sha256Of: (url) => standInSha256(url, size),
    corrupt: new Set(),
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
