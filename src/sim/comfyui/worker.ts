/**
 * The prompt worker (main.py `prompt_worker` + execution.py `PromptExecutor`): takes the lowest queue item and
 * "executes" it with the event order of the captured real server (test/fixtures/comfy/captures): execution_start,
 * execution_cached, per node `progress_state` (running) + executing (+ progress_state/progress per sampler step or
 * SaveImageWebsocket image, with its binary frame) (+ executed for UI nodes) + `progress_state` (finished), then
 * execution_success | execution_error | execution_interrupted, the history write + status, `executing {node: null}`.
 * Nodes whose inputs match the previous prompt's are served from cache (identical prompts finish at once with their
 * old files). An interrupt takes effect when the next node starts (or at a sampler step), as in ComfyUI.
 */
import type { Hub } from './hub';
import type { PromptQueue, QueueItem } from './queue';
import type { ImageSaver } from './save';
import { batchSize, executionOrder, frameCount, samplerSteps, signature } from './graph';
import { GpuClock, Interrupted, logStart, NodeFailure, SAMPLERS, type PromptStart, type WorkerFaults, type WorkerSettings } from './gpu';
import { loadImageProblem } from './images';
import { renderPng } from './png';
import { PromptProgress } from './progress';

type Prompt = QueueItem[2];


/**
 * The savers of animations and videos in ComfyUI 0.3.64: the extension of their one file, whether it is always
 * flagged animated (SaveAnimatedWEBP flags it only with more than one frame), and the default prefix.
 */
const ANIMATED_SAVERS: Record<string, { ext: string; always: boolean; prefix: string }> = {
  SaveAnimatedWEBP: { ext: '.webp', always: false, prefix: 'ComfyUI' },
  SaveAnimatedPNG: { ext: '.png', always: true, prefix: 'ComfyUI' },
  SaveWEBM: { ext: '.webm', always: true, prefix: 'ComfyUI' },
  SaveVideo: { ext: '.mp4', always: true, prefix: 'video/ComfyUI' },
};
export class Worker {
  clientId: string | null = null;
  lastNodeId: string | null = null;
  readonly starts: PromptStart[] = [];
  faults: WorkerFaults = {};
  private cache = new Map<string, unknown>();
  private busy = false;
  private alive = true;
  private interruptFlag = false;
  private readonly gpu = new GpuClock();
  /** progress_state and progress of the running prompt. */
  private progress?: PromptProgress;

  constructor(
    private readonly queue: PromptQueue,
    private readonly hub: Hub,
    private readonly saver: ImageSaver,
    private readonly dirs: { input: string; output: string; temp: string; inputHash: (name: string) => string },
    private readonly settings: WorkerSettings,
  ) {}

  kick(): void {
    if (!this.busy && this.alive) void this.loop();
  }

  interrupt(): void {
    this.interruptFlag = true;
  }

  /** `/free` with free_memory: the execution cache is reset between prompts. */
  resetCache(): void {
    this.cache = new Map();
  }

  stop(): void {
    this.alive = false;
    this.gpu.halt();
  }

  runningPromptId(): string | undefined {
    return [...this.queue.running.values()][0]?.[1];
  }

  private async loop(): Promise<void> {
    this.busy = true;
    try {
      for (let next = this.queue.get(); next && this.alive; next = this.alive ? this.queue.get() : undefined) {
        const start: PromptStart = { promptId: next.item[1], pendingAtStart: this.queue.heap.length, at: Date.now() };
        logStart(this.starts, start);
        await this.execute(next.item, next.taskId);
        start.endAt = Date.now();
        await new Promise((r) => setImmediate(r)); // let HTTP in between prompts
      }
    } finally {
      this.busy = false;
    }
  }

  /** Records and sends one event; returns its timestamp. */
  private message(messages: [string, Record<string, unknown>][], type: string, data: Record<string, unknown>, broadcast: boolean): number {
    const payload = { ...data, timestamp: Date.now() };
    messages.push([type, payload]);
    if (this.clientId !== null || broadcast) this.hub.send(type, payload, this.clientId);
    return payload.timestamp;
  }

  private async execute(item: QueueItem, taskId: number): Promise<void> {
    const [, promptId, prompt, extra, outputs] = item;
    this.interruptFlag = false;
    this.clientId = typeof extra.client_id === 'string' ? extra.client_id : null;
    const messages: [string, Record<string, unknown>][] = [];
    // The GPU starts at the stamp it reports, as on the real server (stamp first, then work): the stamps of a prompt
    // never span less than its steps, even when this process is descheduled between the two.
    this.gpu.start(this.message(messages, 'execution_start', { prompt_id: promptId }, false));
    const sigs = new Map<string, string>();
    const sig = (id: string): string => signature(prompt, id, sigs, this.dirs.inputHash);
    const cached = Object.keys(prompt).filter((id) => this.cache.has(sig(id)));
    this.message(messages, 'execution_cached', { nodes: cached, prompt_id: promptId }, false);
    const nextCache = new Map<string, unknown>();
    const ui: Record<string, unknown> = {};
    const executed: string[] = [];
    const progress = (this.progress = new PromptProgress(this.hub, promptId, Object.keys(prompt), this.clientId));
    let current = '';
    let ok = true;
    try {
      for (const id of executionOrder(prompt, outputs)) {
        current = id;
        const node = prompt[id];
        if (this.cache.has(sig(id))) {
          const old = this.cache.get(sig(id));
          nextCache.set(sig(id), old);
          if (old !== undefined) ui[id] = old;
          if (outputs.includes(id)) {
            this.send('executed', { node: id, display_node: id, output: old ?? null, prompt_id: promptId });
            progress.state(id, 1, 1, 'finished');
          }
          continue;
        }
        this.lastNodeId = id;
        progress.state(id, 0, 1, 'running');
        this.send('executing', { node: id, display_node: id, prompt_id: promptId });
        if (this.interruptFlag) throw new Interrupted();
        const { output, max } = await this.run(promptId, id, node, prompt, extra, sig(id));
        nextCache.set(sig(id), output);
        executed.push(id);
        if (output !== undefined) {
          ui[id] = output;
          this.send('executed', { node: id, display_node: id, output, prompt_id: promptId });
        }
        progress.state(id, max, max, 'finished');
      }
      this.message(messages, 'execution_success', { prompt_id: promptId }, false);
    } catch (err) {
      ok = false;
      const base = { prompt_id: promptId, node_id: current, node_type: prompt[current]?.class_type, executed: [...executed] };
      if (err instanceof Interrupted) this.message(messages, 'execution_interrupted', base, true);
      else {
        const type = err instanceof NodeFailure ? err.exceptionType : 'Exception';
        const inputs = Object.fromEntries(Object.entries(prompt[current]?.inputs ?? {}).filter(([, v]) => !Array.isArray(v)).map(([k, v]) => [k, [String(v)]]));
        this.message(messages, 'execution_error', { ...base, exception_message: `${(err as Error).message}\n`, exception_type: type, traceback: [], current_inputs: inputs, current_outputs: Object.keys(prompt).reverse() }, false);
      }
    }
    for (const id of Object.keys(prompt)) if (!nextCache.has(sig(id)) && this.cache.has(sig(id))) nextCache.set(sig(id), this.cache.get(sig(id)));
    this.cache = nextCache;
    this.lastNodeId = null;
    await new Promise((r) => (this.settings.historyLagMs > 0 ? setTimeout(r, this.settings.historyLagMs) : setImmediate(r)));
    if (!this.alive) return;
    const meta = Object.fromEntries(Object.keys(ui).map((id) => [id, { node_id: id, display_node: id, parent_node: null, real_node_id: id }]));
    this.queue.taskDone(taskId, { outputs: ui, status: { status_str: ok ? 'success' : 'error', completed: ok, messages }, meta });
    if (this.clientId !== null) this.hub.send('executing', { node: null, prompt_id: promptId }, this.clientId);
  }

  /** Execution events go to the prompt's client only (progress frames: ./progress). */
  private send(type: string, data: Record<string, unknown>): void {
    if (this.clientId !== null) this.hub.send(type, data, this.clientId);
  }

  /** Runs one node: its UI output (undefined for none) and the max of its progress bar (1 without one). */
  private async run(promptId: string, id: string, node: Prompt[string], prompt: Prompt, extra: Record<string, unknown>, seed: string): Promise<{ output: unknown; max: number }> {
    const fail = this.faults.failNext;
    if (fail && (fail.nodeClass ? fail.nodeClass === node.class_type : SAMPLERS.has(node.class_type))) {
      this.faults.failNext = undefined;
      throw new NodeFailure(fail.exceptionType, fail.message);
    }
    if (SAMPLERS.has(node.class_type)) {
      const steps = samplerSteps(prompt, id);
      for (let step = 1; step <= steps; step++) {
        await this.gpu.spend(this.settings.msPerStep);
        if (!this.alive || this.interruptFlag) throw new Interrupted();
        if (this.faults.dropWsAtStep === step) {
          this.faults.dropWsAtStep = undefined;
          this.hub.dropAll();
        }
        this.progress?.step(id, step, steps);
      }
      return { output: undefined, max: steps };
    }
    if (this.settings.msPerNode > 0) await this.gpu.spend(this.settings.msPerNode);
    if (node.class_type === 'LoadImage' || node.class_type === 'LoadImageMask') {
      const problem = loadImageProblem(this.dirs, String(node.inputs.image ?? ''));
      if (problem) throw new NodeFailure(problem.exceptionType, problem.message);
    }
    if (node.class_type === 'SaveImageWebsocket') {
      // The example node streams each image as a preview frame of its progress bar; nothing lands in history.
      const count = batchSize(prompt, id);
      for (let i = 0; i < count; i++) this.progress?.step(id, i, count, renderPng(`${seed}#${i}`, { sizePx: 8 }));
      return { output: undefined, max: count };
    }
    const animated = ANIMATED_SAVERS[node.class_type];
    if (animated) {
      // One file of every frame (comfy_extras nodes_images.py / nodes_video.py): {images: [it], animated: [flag]}.
      const frames = frameCount(prompt, id);
      const images = this.saver.save({ dir: this.dirs.output, type: 'output', prefix: String(node.inputs.filename_prefix ?? animated.prefix), count: 1, seed, text: {}, ext: animated.ext });
      return { output: { images, animated: [animated.always || frames !== 1] }, max: 1 };
    }
    if (node.class_type !== 'SaveImage' && node.class_type !== 'PreviewImage') return { output: undefined, max: 1 };
    const preview = node.class_type === 'PreviewImage';
    const text: Record<string, string> = { prompt: JSON.stringify(prompt) };
    const pnginfo = (extra.extra_pnginfo ?? {}) as Record<string, unknown>;
    for (const [k, v] of Object.entries(pnginfo)) text[k] = JSON.stringify(v);
    const images = this.saver.save({
      dir: preview ? this.dirs.temp : this.dirs.output,
      type: preview ? 'temp' : 'output',
      prefix: preview ? 'ComfyUI' : String(node.inputs.filename_prefix ?? 'ComfyUI'),
      count: batchSize(prompt, id),
      seed,
      text,
    });
    return { output: { images }, max: 1 };
  }
}
