/**
 * A faithful ComfyUI on loopback (reference §8 checklist): the real routes at `/x` and `/api/x`, JSON shapes and
 * errors, the websocket event stream, a queue and history that a crash loses, real PNG files behind `/view`.
 * Optionally fronted by an auth proxy like the ai-dock / vastai images (Bearer or `?token=`; otherwise a redirect
 * to a login page, or 401). Faults: crash/restart, slow start, websocket drop mid-render, silent websocket, HTTP
 * faults (common FaultQueue), an execution error in the next prompt.
 */
import fs from 'fs';
import http from 'http';
import os from 'os';
import path from 'path';
import type { AddressInfo, Socket } from 'net';
import type { ComfyFactory, ComfyStartOptions, RunningComfy } from '../common/machine-types';
import { FaultQueue } from '../common/faults';
import { App } from './app';
import { handleAdmin } from './admin';
import { renderPng } from './png';
import { authorized, readBody, refuse, refuseUpgrade } from './proxy';
import type { WorkerFaults } from './gpu';

export interface ComfySimOptions {
  host?: string;
  port?: number;
  /** Token of the auth proxy; empty or undefined = no proxy (plain ComfyUI, no auth). */
  token?: string;
  /** What the proxy answers without the token. @default 'redirect' (ai-dock's Caddy sends the login page) */
  authFailure?: 'redirect' | '401';
  machineId?: string;
  /** Folder holding input/, output/, temp/, models/; a fresh temporary one by default (removed on close). */
  rootDir?: string;
  msPerStep?: number;
  msPerNode?: number;
  historyLagMs?: number;
  /** Pad every saved PNG to this size (bytes). @default 0 */
  outputBytes?: number;
  imageSizePx?: number;
  disableMetadata?: boolean;
  /** Slow start: until this long after (re)start, the proxy answers 502 (plain ComfyUI: connection refused). */
  startDelayMs?: number;
  /** During the slow start, ai-dock's "Preparing ComfyUI" log viewer answers instead: its page at `/`, a redirect to it elsewhere. */
  startingPage?: 'log-viewer';
  /** Request bodies above this get 413 (ComfyUI --max-upload-size, 100 MiB). */
  maxUploadBytes?: number;
  /** Model files to create at start: folder → relative names. */
  models?: Record<string, string[]>;
}

/** Paths the simulator serves; another method on them gets aiohttp's 405. */
const ROUTES = [/^\/(system_stats|features|object_info|prompt|queue|history|interrupt|free|view|upload\/image|models|embeddings)$/, /^\/(object_info|history|models)\/[^/]+$/];

export class ComfySim {
  readonly faults = new FaultQueue();
  readonly dirs: { root: string; input: string; output: string; temp: string; models: string };
  app?: App;
  url = '';
  private server?: http.Server;
  private readonly sockets = new Set<Socket>();
  private readyAt = 0;
  private ownsRoot: boolean;
  private restartTimer?: NodeJS.Timeout;

  constructor(readonly opts: ComfySimOptions = {}) {
    this.ownsRoot = !opts.rootDir;
    const root = opts.rootDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-comfysim-'));
    this.dirs = { root, input: path.join(root, 'input'), output: path.join(root, 'output'), temp: path.join(root, 'temp'), models: path.join(root, 'models') };
    for (const d of [this.dirs.input, this.dirs.output, this.dirs.temp, this.dirs.models]) fs.mkdirSync(d, { recursive: true });
    // A fresh ComfyUI checkout ships input/example.png (the default LoadImage value).
    const example = path.join(this.dirs.input, 'example.png');
    if (!fs.existsSync(example)) fs.writeFileSync(example, renderPng('example', { sizePx: 16 }));
    for (const [folder, names] of Object.entries(opts.models ?? {})) for (const n of names) this.addModel(folder, n);
  }

  get workerFaults(): WorkerFaults {
    return this.app?.worker.faults ?? {};
  }

  /** Places a (tiny) model file, as a download into the machine's models folder would. */
  addModel(folder: string, name: string): void {
    const file = path.join(this.dirs.models, folder, name);
    if (!path.resolve(file).startsWith(this.dirs.models + path.sep)) throw new Error(`model path escapes the models folder: ${folder}/${name}`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, 'simulated model');
  }

  async start(): Promise<string> {
    this.boot();
    const server = http.createServer((req, res) => {
      this.dispatch(req, res).catch((err: unknown) => {
        // A client gone halfway through its body (a killed CLI, a proxy giving up) is dropped, as aiohttp does;
        // anything else is a simulator bug and stays loud.
        if (!req.complete) return void req.socket.destroy();
        throw err;
      });
    });
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    server.on('upgrade', (req, socket, head) => this.upgrade(req, socket as Socket, head));
    const host = this.opts.host ?? '127.0.0.1';
    const port = this.server ? Number(new URL(this.url).port) : this.opts.port ?? 0;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    this.url = `http://${host}:${(server.address() as AddressInfo).port}`;
    return this.url;
  }

  /** The process dies: listener and connections gone, queue and history lost, temp files deleted at next start. */
  async crash(opts: { restartAfterMs?: number } = {}): Promise<void> {
    this.app?.stop();
    this.app = undefined;
    const server = this.server;
    if (server) {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of this.sockets) s.destroy();
      });
    }
    if (opts.restartAfterMs !== undefined) this.restartTimer = setTimeout(() => void this.start(), opts.restartAfterMs);
  }

  async restart(): Promise<void> {
    await this.crash();
    await this.start();
  }

  async close(): Promise<void> {
    clearTimeout(this.restartTimer);
    await this.crash();
    this.server = undefined;
    if (this.ownsRoot) fs.rmSync(this.dirs.root, { recursive: true, force: true });
  }

  private boot(): void {
    fs.rmSync(this.dirs.temp, { recursive: true, force: true }); // main.py cleanup_temp
    fs.mkdirSync(this.dirs.temp, { recursive: true });
    const o = this.opts;
    this.app = new App({
      dirs: this.dirs,
      machineId: o.machineId ?? 'local',
      msPerStep: o.msPerStep ?? 5,
      msPerNode: o.msPerNode ?? 0,
      historyLagMs: o.historyLagMs ?? 0,
      outputBytes: o.outputBytes ?? 0,
      imageSizePx: o.imageSizePx ?? 64,
      disableMetadata: o.disableMetadata ?? false,
    });
    this.readyAt = Date.now() + (o.startDelayMs ?? 0);
  }

  private async dispatch(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sim.local');
    const method = (req.method ?? 'GET').toUpperCase();
    if (url.pathname.startsWith('/_sim/')) return handleAdmin(this, method, url, req, res);
    if (!authorized(this.opts.token, req, url.searchParams)) return refuse(this.opts.authFailure, res);
    const app = this.app;
    if (!app || Date.now() < this.readyAt) {
      if (this.opts.startingPage === 'log-viewer') return logViewer(url.pathname, res);
      if (!this.opts.token) return void req.socket.destroy(); // nothing listens yet
      return void res.writeHead(502, { 'content-type': 'text/plain' }).end('Bad Gateway');
    }
    const route = url.pathname.startsWith('/api/') ? url.pathname.slice(4) : url.pathname;
    const fault = this.faults.take(method, route);
    if (fault?.kind === 'reset') return void req.socket.destroy();
    // The body is in before a delay: a prompt that arrived is queued even if its client gives up meanwhile.
    const body = await readBody(req, this.opts.maxUploadBytes ?? 104857600);
    if (fault?.kind === 'delay') await new Promise((r) => setTimeout(r, fault.ms));
    if (fault?.kind === 'status') return void res.writeHead(fault.status, { 'content-type': fault.contentType ?? 'text/plain', ...fault.headers }).end(typeof fault.body === 'string' ? fault.body : JSON.stringify(fault.body ?? ''));
    if (body === 'too-large') return void res.writeHead(413, { 'content-type': 'text/plain' }).end(`Maximum request body size ${this.opts.maxUploadBytes ?? 104857600} exceeded`);
    const reply = await app.handle(method, route, url.searchParams, body, String(req.headers['content-type'] ?? ''), res);
    if (fault?.kind === 'lose-response') return void req.socket.destroy();
    if (res.headersSent || res.writableEnded) return;
    if (!reply && ROUTES.some((r) => r.test(route))) return void res.writeHead(405, { 'content-type': 'text/plain' }).end('405: Method Not Allowed');
    if (!reply) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('404: Not Found');
    // aiohttp's bare web.Response(): an empty body typed application/octet-stream (real.interrupt_*.http).
    if (reply.body === undefined) return void res.writeHead(reply.status, { 'content-type': 'application/octet-stream', 'content-length': 0 }).end();
    const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    res.writeHead(reply.status, { 'content-type': typeof reply.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8' }).end(text);
  }

  private upgrade(req: http.IncomingMessage, socket: Socket, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://sim.local');
    const allowed = authorized(this.opts.token, req, url.searchParams);
    if (!allowed || !this.app || Date.now() < this.readyAt || (url.pathname !== '/ws' && url.pathname !== '/api/ws')) {
      return refuseUpgrade(socket, allowed ? (this.app ? 404 : 502) : this.opts.authFailure);
    }
    this.app.hub.upgrade(req, socket, head, url.searchParams.get('clientId'));
  }
}

function logViewer(pathname: string, res: http.ServerResponse): void {
  if (pathname === '/') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html><title>Preparing ComfyUI</title><pre>Syncing workspace…</pre></html>');
  res.writeHead(302, { location: '/', 'content-type': 'text/html' }).end('<a href="/">Found</a>.');
}

export async function startComfySim(opts: ComfySimOptions = {}): Promise<ComfySim> {
  const sim = new ComfySim(opts);
  await sim.start();
  return sim;
}

/** What provider simulators run on each booted machine (src/sim/common/machine-host.ts `ComfyFactory`). */
export function comfySimFactory(defaults: Omit<ComfySimOptions, 'host' | 'port' | 'token' | 'machineId'> = {}): ComfyFactory {
  return async (o: ComfyStartOptions): Promise<RunningComfy> => {
    const image = { ...(o.authFailure ? { authFailure: o.authFailure } : {}), ...(o.syncMs ? { startDelayMs: Math.max(o.syncMs, defaults.startDelayMs ?? 0), startingPage: 'log-viewer' as const } : {}) };
    const sim = await startComfySim({ ...defaults, ...image, host: o.host, port: o.port, token: o.token, machineId: o.machineId });
    return { url: sim.url, outputDir: sim.dirs.output, dirs: { input: sim.dirs.input, models: sim.dirs.models }, close: () => sim.close() };
  };
}

export const startComfySimMachine: ComfyFactory = comfySimFactory({ authFailure: '401' });
