/**
 * A hostile (or broken) ComfyUI: the faithful ComfyUI simulator behind a proxy that rewrites the file names its
 * history reports (`../../x.png`, absolute subfolders, …). gpuburst takes those names to decide where to write on
 * the user's disk, so this is how a test proves it never writes outside the output folder. Everything else,
 * websocket included, passes through unchanged.
 */
import http from 'http';
import net from 'net';
import type { AddressInfo } from 'net';
import { ComfySim, ComfySimOptions, startComfySim } from '../../../src/sim/comfyui';

export interface OutputFile {
  filename: string;
  subfolder: string;
  type: string;
}

export interface HostileComfy {
  url: string;
  sim: ComfySim;
  /** Every request the proxy saw ("GET /view?…"). */
  requests: string[];
  close(): Promise<void>;
}

export async function startHostileComfy(rewrite: (file: OutputFile) => OutputFile, opts: ComfySimOptions = {}): Promise<HostileComfy> {
  const sim = await startComfySim(opts);
  const target = new URL(sim.url);
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const history = /^\/(api\/)?history(\/|\?|$)/.test(req.url ?? '');
    const upstream = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      if (!history || up.statusCode !== 200) {
        res.writeHead(up.statusCode ?? 502, up.headers);
        return void up.pipe(res);
      }
      const chunks: Buffer[] = [];
      up.on('data', (c: Buffer) => chunks.push(c));
      up.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, { outputs?: Record<string, Record<string, unknown>> }>;
        for (const entry of Object.values(body)) {
          for (const node of Object.values(entry.outputs ?? {})) {
            for (const [kind, list] of Object.entries(node)) if (Array.isArray(list)) node[kind] = list.map((f) => (f && typeof f === 'object' && 'filename' in f ? rewrite(f as OutputFile) : f));
          }
        }
        const text = JSON.stringify(body);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
      });
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  // The websocket (progress events) passes through as raw bytes.
  server.on('upgrade', (req, socket, head) => {
    const up = net.connect(Number(target.port), target.hostname, () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`, ...Object.entries(req.headers).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : v}`)];
      up.write(lines.join('\r\n') + '\r\n\r\n');
      up.write(head);
      socket.pipe(up).pipe(socket);
    });
    up.on('error', () => socket.destroy());
    socket.on('error', () => up.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    sim,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await sim.close();
    },
  };
}
