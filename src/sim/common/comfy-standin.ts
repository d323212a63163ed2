/**
 * Minimal stand-in for ComfyUI behind an auth proxy: answers `/system_stats` (and `/api/system_stats`) to callers
 * that present the machine's token as `Authorization: Bearer` or `?token=`, refuses everyone else. The full
 * ComfyUI simulator (src/sim/comfyui) replaces it where rendering is needed.
 */
import http from 'http';
import type { AddressInfo } from 'net';
import type { ComfyStartOptions, RunningComfy } from './machine-host';

export async function startComfyStandIn(opts: ComfyStartOptions): Promise<RunningComfy> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const auth = req.headers.authorization ?? '';
    const authorized = auth === `Bearer ${opts.token}` || url.searchParams.get('token') === opts.token;
    if (!authorized) {
      res.writeHead(401, { 'content-type': 'text/plain' });
      return void res.end('Unauthorized');
    }
    if (url.pathname === '/system_stats' || url.pathname === '/api/system_stats') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ system: { os: 'linux', comfyui_version: 'sim' }, devices: [] }));
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('404: Not Found');
  });
  const sockets = new Set<import('net').Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${opts.host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}
