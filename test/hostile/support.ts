/**
 * The hostile-input matrix runs the BUILT CLI (`dist/`, built by `npm test` first) as its own process, the way a
 * user's shell does: a fresh temporary working folder and HOME per case, stdin a pipe (not a terminal), and a hard
 * kill timer that fails the case when gpuburst does not end by itself. Simulated clouds come from one world per
 * test file (src/sim/world) or from the small misbehaving servers below.
 */
import { ChildProcess, spawn } from 'child_process';
import fs from 'fs';
import net from 'net';
import os from 'os';
import path from 'path';
import { findCanary } from '../canary/scan';

const CLI = path.join(__dirname, '..', '..', 'dist', 'src', 'cli', 'index.js');
export const EXAMPLES = path.join(__dirname, '..', '..', 'examples');

export interface CaseResult {
  status: number | null;
  out: string;
  err: string;
  seconds: number;
  /** The kill timer fired: gpuburst hung. */
  killed: boolean;
}

export interface CaseOptions {
  cwd: string;
  env?: Record<string, string>;
  /** Hard limit; past it the process is killed and the case fails. @default 20000 */
  killMs?: number;
  /** Called once the process runs (e.g. to send it signals). */
  onSpawn?: (child: ChildProcess, output: () => string) => void;
}

export function gpuburst(args: string[], o: CaseOptions): Promise<CaseResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: o.cwd,
      env: { PATH: process.env.PATH ?? '', HOME: o.cwd, ...o.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, o.killMs ?? 20_000);
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, out, err, seconds: (Date.now() - started) / 1000, killed });
    });
    child.stdin.end();
    o.onSpawn?.(child, () => out + err);
  });
}

/**
 * An `onSpawn` that looks every 50 ms until `ready` holds (given the output so far), then acts on the child once.
 * The look stops with the child too, so a case whose moment never comes leaves no timer behind.
 */
export function when(ready: (output: string) => boolean, act: (child: ChildProcess) => void): NonNullable<CaseOptions['onSpawn']> {
  return (child, output) => {
    const t = setInterval(() => {
      if (!ready(output())) return;
      clearInterval(t);
      act(child);
    }, 50);
    child.once('close', () => clearInterval(t));
  };
}

const STACK_FRAME = /^\s+at .+(:\d+:\d+\)?|\(native\)|<anonymous>)$/m;

/** Ended by itself with `status`, the last stderr line matching `says`, no stack, no internal error, no key. */
export function expectEnded(r: CaseResult, status: number, says: RegExp): void {
  const last = r.err.trimEnd().split('\n').pop() ?? '';
  expect({ killed: r.killed, status: r.status, last }).toEqual({ killed: false, status, last: expect.stringMatching(says) });
  const all = `${r.out}\n${r.err}`;
  expect(all).not.toMatch(STACK_FRAME);
  expect(all).not.toMatch(/internal error|please report/);
  expect(findCanary(all)).toBeUndefined();
}

/** A fresh folder with the example SD 1.5 workflow as wf.json, plus `files` (name → text). */
export function workspace(files: Record<string, string> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-hostile-'));
  fs.copyFileSync(path.join(EXAMPLES, 'sd15-txt2img.api.json'), path.join(dir, 'wf.json'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

export const SD15_MODEL = ['models:', '  - url: https://huggingface.co/Comfy-Org/stable-diffusion-v1-5-archive/resolve/main/v1-5-pruned-emaonly-fp16.safetensors', '    folder: checkpoints'];

/** A batch of `repeat` prompts of wf.json (SD 1.5), output `out`, with `extra` lines under the workflow entry. */
export function batch(repeat = 1, extra: string[] = [], workflow = 'wf.json'): string {
  return ['output: out', ...SD15_MODEL, 'workflows:', `  - path: ${workflow}`, `    repeat: ${repeat}`, ...extra.map((l) => `    ${l}`)].join('\n') + '\n';
}

/** The example workflow, changed. */
export function workflowWith(change: (wf: Record<string, { class_type: string; inputs: Record<string, unknown> }>) => void): string {
  const wf = JSON.parse(fs.readFileSync(path.join(EXAMPLES, 'sd15-txt2img.api.json'), 'utf8'));
  change(wf);
  return JSON.stringify(wf);
}

export interface BadServer {
  url: string;
  /** Connections it accepted. */
  connections: () => number;
  close(): Promise<void>;
}

/**
 * A server that misbehaves on purpose: `silent` accepts the connection and never answers; `stalled-body` sends the
 * headers of a 200 JSON answer and a first byte, then nothing; `quiet-websocket` completes a websocket upgrade and
 * then sends nothing (plain HTTP requests it leaves unanswered too).
 */
export async function badServer(mode: 'silent' | 'stalled-body' | 'quiet-websocket'): Promise<BadServer> {
  const sockets = new Set<net.Socket>();
  let count = 0;
  const server = net.createServer((socket) => {
    count++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    socket.once('data', (chunk) => {
      const head = chunk.toString('latin1');
      if (mode === 'stalled-body') socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 4096\r\n\r\n{');
      if (mode === 'quiet-websocket' && /upgrade: websocket/i.test(head)) {
        const key = /sec-websocket-key: *(\S+)/i.exec(head)?.[1] ?? '';
        const accept = require('crypto').createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
        socket.write(`HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-accept: ${accept}\r\n\r\n`);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
