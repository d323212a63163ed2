/**
 * The auth proxy in front of ComfyUI in the ai-dock and vastai images (reference §4): the token as
 * `Authorization: Bearer` or `?token=`; without it, a redirect to the login page (ai-dock's Caddy) or a 401.
 * Plus the request-size limit ComfyUI itself applies to every body (--max-upload-size, 413 in plain text).
 */
import http from 'http';
import type { Socket } from 'net';

export function authorized(token: string | undefined, req: http.IncomingMessage, query: URLSearchParams): boolean {
  if (!token) return true;
  return req.headers.authorization === `Bearer ${token}` || query.get('token') === token;
}

export function refuse(flavour: 'redirect' | '401' | undefined, res: http.ServerResponse): void {
  if (flavour === '401') res.writeHead(401, { 'content-type': 'text/plain' }).end('Unauthorized');
  else res.writeHead(302, { location: '/login', 'content-type': 'text/html' }).end('<a href="/login">Found</a>.');
}

/** Answers a websocket upgrade with a plain HTTP status: an auth refusal, 502 while starting, 404 off `/ws`. */
export function refuseUpgrade(socket: Socket, why: 'redirect' | '401' | undefined | 404 | 502): void {
  const status = why === 404 ? '404 Not Found' : why === 502 ? '502 Bad Gateway' : why === '401' ? '401 Unauthorized' : '302 Found\r\nLocation: /login';
  socket.end(`HTTP/1.1 ${status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
}

/** The whole body, or 'too-large' past the limit (checked against Content-Length first, as aiohttp does). */
export function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) return resolve('too-large');
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.removeAllListeners('data');
        resolve('too-large');
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
