/**
 * One boot of the simulated ComfyUI: queue, history, websocket hub and worker live here and die with it (a
 * restart makes a new App; files on disk stay). Routes follow server.py (reference §1); the HTTP layer in
 * ./index strips the `/api` prefix and the auth proxy before calling `handle`.
 */
import crypto from 'crypto';
import fs from 'fs';
import http from 'http';
import path from 'path';
import { Dirs, parseMultipart, serveView, upload } from './files';
import { Hub } from './hub';
import { currentObjectInfo, customChecks, modelFiles } from './nodes';
import { PromptQueue, QueueItem } from './queue';
import { ImageSaver, SaveSettings } from './save';
import { validatePrompt } from './validate';
import type { WorkerSettings } from './gpu';
import { Worker } from './worker';
import { MODEL_FOLDERS } from '../../comfy/model-folders';
import { COMFYUI_VERSION } from '../../comfy/version';

export interface AppSettings extends WorkerSettings, SaveSettings {
  dirs: Dirs & { models: string };
  machineId: string;
}

export interface Reply {
  status: number;
  body?: unknown;
}

const TROUBLE = '500 Internal Server Error\n\nServer got itself in trouble';

export class App {
  readonly queue: PromptQueue;
  readonly hub: Hub;
  readonly worker: Worker;
  /** server.py `self.number`: priority counter, reset by a restart. */
  private number = 0;
  private readonly hashes = new Map<string, string>();

  constructor(private readonly s: AppSettings) {
    this.hub = new Hub((sid) => {
      const hello: { type: string; data: unknown }[] = [{ type: 'status', data: { status: this.queueInfo(), sid } }];
      if (this.worker.clientId === sid && this.worker.lastNodeId !== null) hello.push({ type: 'executing', data: { node: this.worker.lastNodeId } });
      return hello;
    });
    this.queue = new PromptQueue(() => this.hub.send('status', { status: this.queueInfo() }));
    const inputHash = (name: string) => this.fileHash(path.join(s.dirs.input, name));
    this.worker = new Worker(this.queue, this.hub, new ImageSaver(s), { input: s.dirs.input, output: s.dirs.output, temp: s.dirs.temp, inputHash }, s);
  }

  stop(): void {
    this.worker.stop();
    this.hub.close();
  }

  queueInfo() {
    return { exec_info: { queue_remaining: this.queue.remaining } };
  }

  /** Routes that stream or take raw bodies are answered here directly; the rest return a Reply. */
  async handle(method: string, route: string, query: URLSearchParams, body: Buffer, contentType: string, res: http.ServerResponse): Promise<Reply | undefined> {
    const json = (): unknown => (body.length ? JSON.parse(body.toString('utf8')) : {});
    try {
      if (method === 'GET' && route === '/view') return void (await serveView(this.s.dirs, query, res));
      if (method === 'POST' && route === '/upload/image') {
        const parts = parseMultipart(contentType, body);
        return parts ? upload(this.s.dirs, parts) : { status: 400 };
      }
      if (method === 'GET') return this.get(route, query);
      if (method === 'POST') return this.post(route, json() as Record<string, unknown>);
    } catch {
      return { status: 500, body: TROUBLE }; // aiohttp's answer to a handler exception (malformed JSON included)
    }
    return undefined;
  }

  private get(route: string, query: URLSearchParams): Reply | undefined {
    const info = () => currentObjectInfo(this.s.dirs.models, this.s.dirs.input);
    if (route === '/system_stats') return { status: 200, body: systemStats(this.s.machineId) };
    if (route === '/features') return { status: 200, body: { supports_preview_metadata: true, max_upload_size: 104857600 } };
    if (route === '/object_info') return { status: 200, body: info() };
    if (route.startsWith('/object_info/')) {
      const cls = decodeURIComponent(route.slice('/object_info/'.length));
      const all = info();
      return { status: 200, body: all[cls] ? { [cls]: all[cls] } : {} };
    }
    if (route === '/prompt') return { status: 200, body: { exec_info: this.queueInfo().exec_info } };
    if (route === '/queue') return { status: 200, body: { queue_running: [...this.queue.running.values()], queue_pending: [...this.queue.heap] } };
    if (route === '/history') {
      const max = query.get('max_items');
      const offset = query.get('offset');
      return { status: 200, body: this.queue.historySlice(max === null ? undefined : parseInt(max, 10), offset === null ? -1 : parseInt(offset, 10)) };
    }
    if (route.startsWith('/history/')) {
      const id = decodeURIComponent(route.slice('/history/'.length));
      const rec = this.queue.history.get(id);
      return { status: 200, body: rec ? { [id]: rec } : {} };
    }
    if (route === '/models') {
      // folder_paths registration order: custom_nodes sits after upscale_models (real.models.http).
      const folders: string[] = [...MODEL_FOLDERS];
      folders.splice(folders.indexOf('upscale_models') + 1, 0, 'custom_nodes');
      return { status: 200, body: folders };
    }
    if (route.startsWith('/models/')) {
      const folder = decodeURIComponent(route.slice('/models/'.length));
      return (MODEL_FOLDERS as readonly string[]).includes(folder) ? { status: 200, body: modelFiles(this.s.dirs.models, folder) } : { status: 404 };
    }
    if (route === '/embeddings') return { status: 200, body: modelFiles(this.s.dirs.models, 'embeddings').map((f) => f.replace(/\.[^.]+$/, '')) };
    return undefined;
  }

  private post(route: string, body: Record<string, unknown>): Reply | undefined {
    if (route === '/prompt') return this.postPrompt(body);
    if (route === '/queue') {
      if (body.clear) this.queue.wipe();
      for (const id of Array.isArray(body.delete) ? body.delete : []) this.queue.delete(String(id));
      return { status: 200 };
    }
    if (route === '/history') {
      if (body.clear) this.queue.history.clear();
      for (const id of Array.isArray(body.delete) ? body.delete : []) this.queue.history.delete(String(id));
      return { status: 200 };
    }
    if (route === '/interrupt') {
      const id = typeof body.prompt_id === 'string' ? body.prompt_id : undefined;
      if (!id || this.worker.runningPromptId() === id) this.worker.interrupt();
      return { status: 200 };
    }
    if (route === '/free') {
      if (body.free_memory) this.worker.resetCache();
      return { status: 200 };
    }
    return undefined;
  }

  private postPrompt(body: Record<string, unknown>): Reply {
    let number: number;
    if ('number' in body) number = Number(body.number);
    else {
      number = body.front ? -this.number : this.number;
      this.number++;
    }
    if (!('prompt' in body)) {
      const error = { type: 'no_prompt', message: 'No prompt provided', details: 'No prompt provided', extra_info: {} };
      return { status: 400, body: { error, node_errors: {} } };
    }
    const prompt = body.prompt as QueueItem[2];
    // execution.py iterates the prompt as a dict: anything else raises inside the handler → aiohttp's 500 page.
    if (typeof prompt !== 'object' || prompt === null || Array.isArray(prompt)) return { status: 500, body: TROUBLE };
    const promptId = 'prompt_id' in body ? String(body.prompt_id) : crypto.randomUUID();
    const partial = Array.isArray(body.partial_execution_targets) ? body.partial_execution_targets.map(String) : undefined;
    const classes = new Set(Object.values(prompt).map((n) => String((n as { class_type?: unknown } | null)?.class_type)));
    const defs = currentObjectInfo(this.s.dirs.models, this.s.dirs.input, classes);
    const result = validatePrompt(prompt, defs, customChecks(this.s.dirs), partial);
    const extra = (body.extra_data && typeof body.extra_data === 'object' ? body.extra_data : {}) as Record<string, unknown>;
    if ('client_id' in body) extra.client_id = body.client_id;
    if (!result.ok) return { status: 400, body: { error: result.error, node_errors: result.nodeErrors } };
    this.queue.put([number, promptId, prompt, extra, result.outputs]);
    this.worker.kick();
    return { status: 200, body: { prompt_id: promptId, number, node_errors: result.nodeErrors } };
  }

  /** LoadImage's IS_CHANGED: the file's sha256 (cached by size + mtime). */
  private fileHash(file: string): string {
    try {
      const st = fs.statSync(file);
      const key = `${file}\0${st.size}\0${st.mtimeMs}`;
      let h = this.hashes.get(key);
      if (!h) this.hashes.set(key, (h = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex')));
      return h;
    } catch {
      return 'missing';
    }
  }
}

function systemStats(machineId: string) {
  return {
    system: { os: 'posix', ram_total: 67175772160, ram_free: 59861434368, comfyui_version: COMFYUI_VERSION, required_frontend_version: '1.27.10', installed_templates_version: '0.1.95', required_templates_version: '0.1.95', python_version: '3.12.3 (main) [GCC 13.2.0]', pytorch_version: '2.8.0+cu128', embedded_python: false, argv: ['main.py', '--listen', '0.0.0.0', '--port', '18188'] },
    devices: [{ name: `cuda:0 NVIDIA GeForce RTX 4090 (sim ${machineId}) : cudaMallocAsync`, type: 'cuda', index: 0, vram_total: 25386352640, vram_free: 24943312896, torch_vram_total: 0, torch_vram_free: 0 }],
  };
}
