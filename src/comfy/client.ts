/**
 * Thin typed client of one ComfyUI server (reference §1), through the project's one HTTP client. Every route is
 * reachable with or without the `/api` prefix; the token of the image's auth proxy travels as a Bearer header
 * and/or `?token=` (DEVELOPERS.md "Machines and endpoints").
 */
import crypto from 'crypto';
import fs from 'fs';
import path from 'path';
import { HttpClient, HttpRequest } from '../../providers/http';
import type { WireBody } from '../../providers/transport';
import { pollUntil } from '../../providers/poll';
import { BootstrapStatus, parseBootstrapStatus, PHASE_WORDS } from '../../providers/bootstrap';
import { GpuburstError, ProviderError, TransientError } from '../../providers/errors';
import { registerSecret } from '../../providers/redact';
import { PromptValidationError, problemsFromBody, translateComfyFailure, withClasses } from './errors';
import type { ApiPrompt, HistoryEntry, ObjectInfo, OutputFile, QueueState } from './types';

export interface ComfyClientOptions {
  /** Base URL of the server, without credentials, e.g. `https://abc-8188.proxy.runpod.net`. */
  baseUrl: string;
  /** Access token of the auth proxy in front of ComfyUI, if any. */
  token?: string;
  /** Where the token travels. @default 'header' */
  tokenIn?: 'header' | 'query' | 'both';
  /** Prefix before every route: '' or '/api' (ComfyUI serves both). @default '' */
  routePrefix?: string;
  /** Identifies our websocket; prompts carry it (unless told otherwise) so their events reach us. @default random hex */
  clientId?: string;
  timeoutMs?: number;
  machineId?: string;
  log?: (line: string) => void;
  /** Called with a VM's setup phase while its bootstrap status server answers on ComfyUI's port. */
  onBootstrap?: (status: BootstrapStatus) => void;
}

export interface QueueResult {
  promptId: string;
  number: number;
}

export interface UploadResult {
  name: string;
  subfolder: string;
  type: string;
}

/** What `retry: false` callers (polling loops) pass so that one slow answer does not stall them. */
export interface CallOptions {
  retry?: boolean;
  timeoutMs?: number;
  signal?: AbortSignal;
  maxBodyBytes?: number;
}

const MiB = 1024 * 1024;
const JSON_BODY = { 'content-type': 'application/json' };

export class ComfyClient {
  readonly clientId: string;
  readonly baseUrl: string;
  readonly machineId?: string;
  private readonly http: HttpClient;
  private readonly prefix: string;
  private readonly tokenQuery?: Record<string, string>;
  private readonly token?: string;
  private readonly tokenIn: 'header' | 'query' | 'both';
  private readonly onBootstrap?: (status: BootstrapStatus) => void;
  /** Why the last readiness probe said no, for the timeout's message. */
  private notReadyBecause?: string;

  constructor(opts: ComfyClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.clientId = opts.clientId ?? crypto.randomBytes(16).toString('hex');
    this.machineId = opts.machineId;
    this.prefix = (opts.routePrefix ?? '').replace(/\/+$/, '');
    this.token = opts.token;
    this.tokenIn = opts.tokenIn ?? 'header';
    this.onBootstrap = opts.onBootstrap;
    registerSecret(opts.token);
    const headers = opts.token && this.tokenIn !== 'query' ? { authorization: `Bearer ${opts.token}` } : undefined;
    this.tokenQuery = opts.token && this.tokenIn !== 'header' ? { token: opts.token } : undefined;
    this.http = new HttpClient({
      provider: 'comfyui',
      baseUrl: this.baseUrl,
      headers,
      timeoutMs: opts.timeoutMs ?? 30_000,
      log: opts.log,
      translate: (f) => translateComfyFailure(f, { machineId: opts.machineId, baseUrl: this.baseUrl }),
    });
  }

  /** The websocket URL (`/ws?clientId=`) and the headers to open it with. */
  wsTarget(clientId = this.clientId): { url: string; headers: Record<string, string> } {
    const url = new URL(`${this.baseUrl}${this.prefix}/ws`);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set('clientId', clientId);
    if (this.tokenQuery) url.searchParams.set('token', this.tokenQuery.token);
    const headers: Record<string, string> = this.token && this.tokenIn !== 'query' ? { authorization: `Bearer ${this.token}` } : {};
    return { url: url.toString(), headers };
  }

  async systemStats(call: CallOptions = {}): Promise<Record<string, unknown>> {
    return (await this.get<Record<string, unknown>>('/system_stats', undefined, call)).data;
  }

  /**
   * True when ComfyUI itself answers `/system_stats` with the token: JSON with its `system` and `devices`. Anything
   * else on that port is "not ready yet": a redirect (an image's log viewer while it syncs, a login page), an HTML
   * page, a 502 from the proxy, a VM's bootstrap status while it installs. A bootstrap that reports a failed phase
   * throws a ProviderError naming the phase, so the machine is ended at once instead of waited for.
   */
  async isReady(timeoutMs = 5000, signal?: AbortSignal): Promise<boolean> {
    let stats: unknown;
    try {
      stats = await this.systemStats({ retry: false, timeoutMs, signal });
    } catch (err) {
      if (signal?.aborted) throw err;
      const redirected = err instanceof GpuburstError && err.status !== undefined && err.status >= 300 && err.status < 400;
      if (err instanceof GpuburstError && err.code === 'ERR_AUTH' && !redirected) throw err;
      this.notReadyBecause = redirected ? `a redirect (${(err as GpuburstError).status}): a log viewer while the image syncs, or a login page if the token is wrong` : (err as Error).message;
      return false;
    }
    const boot = parseBootstrapStatus(stats);
    if (boot?.state === 'failed') {
      throw new ProviderError(`machine setup failed while ${PHASE_WORDS[boot.phase]} (phase ${boot.phase}); log: /var/log/gpuburst-bootstrap.log on the machine`, { provider: 'comfyui', machineId: this.machineId });
    }
    if (boot) this.onBootstrap?.(boot);
    const s = stats as { system?: unknown; devices?: unknown } | null;
    const comfy = typeof s === 'object' && s !== null && typeof s.system === 'object' && s.system !== null && Array.isArray(s.devices);
    if (!comfy) this.notReadyBecause = boot ? `the machine is still ${PHASE_WORDS[boot.phase]}` : "JSON that is not ComfyUI's /system_stats";
    return comfy;
  }

  /**
   * One probe, for a command that needs the server now rather than after a boot: throws a TransientError naming what
   * answered instead (nothing within the deadline, a refused connection, a page that is not ComfyUI) unless ComfyUI
   * is ready. Reading a large `/object_info` straight away would wait out its own long deadline first, twice.
   */
  async expectReady(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (await this.isReady(timeoutMs, signal)) return;
    throw new TransientError(`no ComfyUI answers at ${this.baseUrl}: ${this.notReadyBecause ?? 'no reason given'}`, { provider: 'comfyui', machineId: this.machineId });
  }

  /** Polls readiness without a ceiling of its own beyond `timeoutSeconds` (cold starts take minutes, §4). */
  async waitUntilReady(opts: { timeoutSeconds: number; pollMs?: number; signal?: AbortSignal }): Promise<void> {
    const ready = await pollUntil(async () => (await this.isReady()) || undefined, { timeoutMs: opts.timeoutSeconds * 1000, intervalMs: opts.pollMs ?? 1000, signal: opts.signal });
    if (ready) return;
    const last = this.notReadyBecause ? `; last answer: ${this.notReadyBecause}` : '';
    throw new TransientError(`ComfyUI at ${this.baseUrl} did not answer /system_stats within ${opts.timeoutSeconds} s${last}`, {
      provider: 'comfyui',
      machineId: this.machineId,
    });
  }

  async objectInfo(nodeClass?: string, call: CallOptions = {}): Promise<ObjectInfo> {
    const route = nodeClass ? `/object_info/${encodeURIComponent(nodeClass)}` : '/object_info';
    // Installs with many custom nodes answer tens of MB; the default cap is for API answers.
    return (await this.get<ObjectInfo>(route, undefined, { timeoutMs: 120_000, maxBodyBytes: 256 * MiB, ...call })).data;
  }

  /**
   * Uploads a file into the server's input folder. `/upload/image` accepts any file type (§1.8), so small
   * non-image files (a JSON heartbeat) use it too. With `overwrite` the name is kept; without it ComfyUI keeps an
   * identical file's name and renames a different one to `name (1).ext`.
   */
  async upload(opts: { filePath?: string; data?: Buffer; name?: string; subfolder?: string; type?: 'input' | 'temp' | 'output'; overwrite?: boolean }): Promise<UploadResult> {
    const name = opts.name ?? (opts.filePath ? path.basename(opts.filePath) : undefined);
    if (!name) throw new TypeError('upload needs a name or a filePath');
    const blob = opts.filePath ? await fs.openAsBlob(opts.filePath) : new Blob([opts.data ?? Buffer.alloc(0)]);
    const form = new FormData();
    form.append('image', blob, name);
    form.append('overwrite', opts.overwrite ? 'true' : 'false');
    if (opts.subfolder) form.append('subfolder', opts.subfolder);
    if (opts.type) form.append('type', opts.type);
    // Safe to retry: with overwrite the same name is rewritten; without it an identical file is recognised by hash.
    const res = await this.request<UploadResult>({ method: 'POST', path: '/upload/image', body: form, retry: true, timeoutMs: 300_000 });
    return res.data;
  }

  /**
   * Queues a prompt. A 400 becomes a PromptValidationError listing every node; so does a 200 whose `node_errors`
   * is not empty (ComfyUI then runs only the outputs that validated): that partial prompt is removed again.
   */
  async queuePrompt(prompt: ApiPrompt, opts: { extraData?: Record<string, unknown>; front?: boolean; signal?: AbortSignal; promptJson?: string; clientId?: string } = {}): Promise<QueueResult> {
    // Our own prompt_id makes an ambiguous failure checkable: look it up before anyone sends the prompt again.
    const promptId = crypto.randomUUID();
    const rest = { prompt_id: promptId, client_id: opts.clientId ?? this.clientId, ...(opts.extraData ? { extra_data: opts.extraData } : {}), ...(opts.front ? { front: true } : {}) };
    // The prompt as the caller already serialized it (the runner hashes it), spliced in rather than serialized again.
    const body = `{"prompt":${opts.promptJson ?? JSON.stringify(prompt)},${JSON.stringify(rest).slice(1)}`;
    let data: { prompt_id?: string; number?: number; node_errors?: Record<string, unknown> };
    try {
      data = (await this.request<typeof data>({ method: 'POST', path: '/prompt', body, headers: JSON_BODY, retry: false, signal: opts.signal })).data;
    } catch (err) {
      if (err instanceof PromptValidationError) throw withClasses(err, prompt);
      if (err instanceof GpuburstError && err.retryable && (await this.knows(promptId))) return { promptId, number: NaN };
      throw err;
    }
    if (!data || typeof data.prompt_id !== 'string') throw new TransientError('ComfyUI answered /prompt without a prompt_id', { provider: 'comfyui', machineId: this.machineId });
    if (data.node_errors && Object.keys(data.node_errors).length > 0) {
      await this.cancel(data.prompt_id).catch(() => undefined);
      const { problems } = problemsFromBody({ node_errors: data.node_errors });
      throw withClasses(new PromptValidationError('node_errors', problems, { provider: 'comfyui', machineId: this.machineId }), prompt);
    }
    return { promptId: data.prompt_id, number: Number(data.number) };
  }

  /** True when the server has the prompt queued, running or finished. */
  async knows(promptId: string): Promise<boolean> {
    try {
      const q = await this.queue({ retry: false });
      if (q.running.includes(promptId) || q.pending.includes(promptId)) return true;
      return (await this.history(promptId, { retry: false })) !== undefined;
    } catch {
      return false;
    }
  }

  /** The finished prompt's history entry; undefined while unknown or unfinished (ComfyUI answers `{}` for both). */
  async history(promptId: string, call: CallOptions = {}): Promise<HistoryEntry | undefined> {
    const res = await this.get<Record<string, HistoryEntry>>(`/history/${encodeURIComponent(promptId)}`, undefined, call);
    return res.data?.[promptId];
  }

  /**
   * The last `maxItems` history entries by prompt id (§1.5: `max_items` without `offset` returns the newest): one
   * read settles every prompt that ended since the last one.
   */
  async histories(maxItems: number, call: CallOptions = {}): Promise<Record<string, HistoryEntry>> {
    const res = await this.get<Record<string, HistoryEntry>>('/history', { max_items: Math.max(1, Math.ceil(maxItems)) }, { maxBodyBytes: 256 * MiB, ...call });
    return res.data && typeof res.data === 'object' ? res.data : {};
  }

  /** Prompt ids running and pending on the server. */
  async queue(call: CallOptions = {}): Promise<{ running: string[]; pending: string[] }> {
    const data = (await this.get<QueueState>('/queue', undefined, call)).data;
    const ids = (items: unknown[][] | undefined) => (items ?? []).map((item) => String(item[1]));
    return { running: ids(data?.queue_running), pending: ids(data?.queue_pending) };
  }

  /** Interrupts `promptId` only if it is the one running; without an id, whatever runs. */
  async interrupt(promptId?: string): Promise<void> {
    await this.request({ method: 'POST', path: '/interrupt', body: promptId ? { prompt_id: promptId } : {}, retry: true });
  }

  /** Removes pending prompts from the queue (the running one needs `interrupt`). */
  async deleteQueued(promptIds: string[]): Promise<void> {
    await this.request({ method: 'POST', path: '/queue', body: { delete: promptIds }, retry: true });
  }

  /** Takes a prompt out of the server, wherever it is: pending (deleted) or running (interrupted). */
  async cancel(promptId: string): Promise<void> {
    await this.deleteQueued([promptId]);
    await this.interrupt(promptId);
  }

  async free(opts: { unloadModels?: boolean; freeMemory?: boolean } = {}): Promise<void> {
    await this.request({ method: 'POST', path: '/free', body: { unload_models: Boolean(opts.unloadModels), free_memory: Boolean(opts.freeMemory) }, retry: true });
  }

  /** `/view`, its body unread; the caller checks names (./safe-path) and pipes it into a file (./download). */
  async view(file: OutputFile, call: CallOptions = {}): Promise<{ body: WireBody; bytes?: number }> {
    const query = { filename: file.filename, subfolder: file.subfolder ?? '', type: file.type || 'output' };
    // The deadline also bounds silence inside the body: a body shorter than its Content-Length, on a connection kept
    // open, would otherwise be waited for forever (a simulator race did exactly that; see docs/benchmarks.md).
    const timeoutMs = call.timeoutMs ?? 120_000;
    const res = await this.request<WireBody>({ method: 'GET', path: '/view', query, responseType: 'body', retry: call.retry ?? true, timeoutMs, bodyTimeoutMs: timeoutMs, signal: call.signal });
    const length = Number(res.headers['content-length']);
    return { body: res.data, bytes: Number.isFinite(length) && res.headers['content-length'] !== undefined ? length : undefined };
  }

  private get<T>(route: string, query?: HttpRequest['query'], call: CallOptions = {}) {
    // A call's deadline bounds the wait for the answer and, separately, reading it (a large /object_info included).
    return this.request<T>({ method: 'GET', path: route, query, retry: call.retry, timeoutMs: call.timeoutMs, bodyTimeoutMs: call.timeoutMs, signal: call.signal, maxBodyBytes: call.maxBodyBytes });
  }

  private request<T>(req: HttpRequest) {
    return this.http.request<T>({ ...req, path: this.prefix + req.path, query: this.tokenQuery ? { ...req.query, ...this.tokenQuery } : req.query });
  }
}
