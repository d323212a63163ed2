/**
 * A hostile (or broken) ComfyUI: the faithful ComfyUI simulator behind a proxy that rewrites the file names it
 * reports, in its history and in the websocket's `executed` events (`../../x.png`, absolute subfolders, …). gpuburst
 * takes those names to decide where to write on the user's disk, so this is how a test proves it never writes
 * outside the output folder. Everything else passes through unchanged. */
import http from 'http';
import type { AddressInfo } from 'net';
import WebSocket, { WebSocketServer } from 'ws';
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
          for (const node of Object.values(entry.outputs ?? {})) rewriteList(node, rewrite);
        }
        const text = JSON.stringify(body);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
      });
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  // The websocket passes through message by message; `executed` events carry output names too, so they are rewritten
  // the same way (the client takes a prompt's outputs from them when one connection saw the whole prompt).
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    const up = new WebSocket(`ws://${target.host}${req.url}`, { headers: { authorization: req.headers.authorization ?? '' }, perMessageDeflate: false });
    up.on('error', () => socket.destroy());
    up.on('open', () =>
      wss.handleUpgrade(req, socket, head, (client) => {
        up.on('message', (data, isBinary) => client.send(isBinary ? data : rewriteFrame(data.toString(), rewrite), { binary: isBinary }));
        up.on('close', () => client.close());
        client.on('close', () => up.close());
        client.on('error', () => up.terminate());
      }),
    );
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

function rewriteList(node: Record<string, unknown>, rewrite: (file: OutputFile) => OutputFile): void {
  for (const [kind, list] of Object.entries(node)) if (Array.isArray(list)) node[kind] = list.map((f) => (f && typeof f === 'object' && 'filename' in f ? rewrite(f as OutputFile) : f));
}

function rewriteFrame(text: string, rewrite: (file: OutputFile) => OutputFile): string {
  const msg = JSON.parse(text) as { type?: string; data?: { output?: Record<string, unknown> | null } };
  if (msg.type !== 'executed' || !msg.data?.output) return text;
  rewriteList(msg.data.output, rewrite);
  return JSON.stringify(msg);
}
