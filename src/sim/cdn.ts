/**
 * A stand-in for the internet in simulated sessions: the machine agent fetches `/fetch?url=<model url>` instead of
 * the real URL and gets the stand-in file for that URL: deterministic bytes derived from it, so every download of a
 * URL is the same file with a known sha256 (`sha256Of`). The real files cannot be served offline, so a simulated
 * machine is told the stand-in's digest where the batch states the real one (../common/agent-launcher.ts); the agent
 * checks every download against it as on a real machine, and `corrupt` damages a URL's transfer to prove it does.
 *
 * It behaves like the hosts models come from (../../docs/models.md): Hugging Face `/resolve/` answers a redirect to
 * a signed CDN URL on another host, gated repos answer 401 without the token; Civitai names the file only in
 * Content-Disposition and answers a login page (HTML, 200) without the token; every file honours Range; and each
 * connection is capped (`bytesPerSecond`) as real CDNs cap one stream, so parallel ranges show their gain.
 */
import crypto from 'crypto';
import http from 'http';
import type { AddressInfo } from 'net';
import { civitaiFileName, gatedReply, hostOf, parseRange, SIGNED_CDN_HOST } from './cdn-hosts';

export interface CdnOptions {
  bytes?: number;
  /** Wait this long before answering each download: a slow link, so tests can act while models are placed. */
  delayMs?: number;
  /** Per-connection cap; 0 or unset = as fast as loopback goes. */
  bytesPerSecond?: number;
  /** URL prefixes that need their host's token (`tokens`). */
  gated?: string[];
  /** Host → the token it accepts as `Authorization: Bearer` (huggingface.co, civitai.com). */
  tokens?: Record<string, string>;
  /** Civitai model-version id → the file name its Content-Disposition gives. */
  civitaiNames?: Record<string, string>;
}

/** One request as the CDN saw it: which URL, whether it carried an Authorization header, which range. */
interface CdnRequest {
  url: string;
  method: string;
  authorization?: string;
  range?: string;
}

export interface Cdn {
  url: string;
  requests: string[];
  /** Every request with its headers of interest (tests check where tokens went). */
  seen: CdnRequest[];
  /** The sha256 of the stand-in file this CDN serves for `url`. */
  sha256Of(url: string): string;
  /** URLs whose transfer arrives damaged (one byte flipped): the agent must refuse the file. */
  corrupt: Set<string>;
  /** Changeable while running (the fault matrix slows downloads for one case). */
  delayMs: number;
  bytesPerSecond: number;
  close(): Promise<void>;
}

const DEFAULT_BYTES = 64 * 1024;
const CHUNK_BYTES = 64 * 1024;

/** The stand-in file for `url`: `bytes` long, the URL's sha256 repeated, so every download of a URL is identical. */
export function standInFile(url: string, bytes = DEFAULT_BYTES): Buffer {
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
  const seen: CdnRequest[] = [];
  const files = new Map<string, Buffer>();
  // Signed CDN URL → the model URL it stands for (the file is the model URL's stand-in).
  const signed = new Map<string, string>();
  const fileFor = (url: string) => {
    let body = files.get(url);
    if (!body) files.set(url, (body = standInFile(url, size)));
    return body;
  };

  const server = http.createServer(async (req, res) => {
    const target = new URL(req.url ?? '/', 'http://cdn.local').searchParams.get('url');
    if (!target || !/^https?:\/\//.test(target)) {
      res.writeHead(400, { 'content-type': 'text/plain' });
      return void res.end('expected /fetch?url=<http(s) url>');
    }
    requests.push(target);
    seen.push({ url: target, method: req.method ?? 'GET', authorization: req.headers.authorization, range: req.headers.range });
    if (cdn.delayMs > 0) await new Promise((r) => setTimeout(r, cdn.delayMs));
    const host = hostOf(target);
    const gated = (opts.gated ?? []).some((p) => target.startsWith(p));
    if (gated && req.headers.authorization !== `Bearer ${opts.tokens?.[host] ?? '\0'}`) return gatedReply(res, host);
    const modelUrl = signed.get(target) ?? target;
    if (host === 'huggingface.co' && target.includes('/resolve/')) {
      // Hugging Face hands the bytes out from a signed URL on its CDN: the token must not follow it there.
      const location = `https://${SIGNED_CDN_HOST}/repos/${crypto.createHash('sha256').update(target).digest('hex').slice(0, 16)}?X-Amz-Signature=sim`;
      signed.set(location, target);
      res.writeHead(302, { location });
      return void res.end();
    }
    const body = Buffer.from(fileFor(modelUrl));
    if (cdn.corrupt.has(modelUrl)) body[size >> 1] ^= 0xff;
    const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/octet-stream', 'accept-ranges': 'bytes' };
    const id = host === 'civitai.com' ? /\/api\/download\/models\/(\d+)/.exec(target)?.[1] : undefined;
    if (id) headers['content-disposition'] = `attachment; filename="${civitaiFileName(id, opts.civitaiNames)}"`;
    const range = parseRange(req.headers.range, size);
    if (range === 'unsatisfiable') {
      res.writeHead(416, { 'content-range': `bytes */${size}` });
      return void res.end();
    }
    const [start, end] = range ?? [0, size - 1];
    if (range) headers['content-range'] = `bytes ${start}-${end}/${size}`;
    headers['content-length'] = String(end - start + 1);
    res.writeHead(range ? 206 : 200, headers);
    if (req.method === 'HEAD') return void res.end();
    await send(res, body.subarray(start, end + 1), () => cdn.bytesPerSecond);
  });

  const cdn: Cdn = {
    url: '',
    requests,
    seen,
    sha256Of: (url) => standInSha256(url, size),
    corrupt: new Set(),
    delayMs: opts.delayMs ?? 0,
    bytesPerSecond: opts.bytesPerSecond ?? 0,
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

/** Writes `body` in chunks, paced so this one connection never goes faster than the cap. */
async function send(res: http.ServerResponse, body: Buffer, cap: () => number): Promise<void> {
  const started = Date.now();
  for (let off = 0; off < body.length && !res.destroyed; off += CHUNK_BYTES) {
    const chunk = body.subarray(off, off + CHUNK_BYTES);
    if (!res.write(chunk)) await drained(res);
    const bps = cap();
    if (bps > 0) {
      const due = started + ((off + chunk.length) / bps) * 1000;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  }
  res.end();
}

/** Resolves when the socket takes more data or the client went away (listeners removed either way). */
function drained(res: http.ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
