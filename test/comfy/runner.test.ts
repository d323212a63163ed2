/**
 * The prompt runner against the simulator over real sockets: the GPU stays fed, every state change is reported,
 * and it survives a websocket drop, a silent websocket, a server restart mid-batch, a rejected prompt and a node
 * that fails at run time.
 */
import fs from 'fs';
import path from 'path';
import { PromptRunner, RunnerOptions, RunnerPrompt } from '../../src/comfy/runner';
import type { PulledFile } from '../../src/comfy/outputs';
import type { ComfySim } from '../../src/sim/comfyui';
import { clientFor, sd15Prompt, simWithModel, tempDir } from './helpers';

const FAST = { pollMs: 40, wsSilenceMs: 400, safetyPollMs: 1000, historyGraceMs: 1000, unreachableMs: 10_000 };

function items(n: number, steps = 4, from = 0): RunnerPrompt[] {
  return Array.from({ length: n }, (_, i) => {
    const prompt = sd15Prompt(1000 + from + i, 'run/ComfyUI');
    prompt['3'].inputs.steps = steps;
    return { id: `p${String(from + i).padStart(2, '0')}`, prompt };
  });
}

interface Log {
  events: string[];
  done: Map<string, PulledFile[]>;
  failed: Map<string, string>;
  queued: Map<string, string[]>;
  interrupted: Map<string, PulledFile[]>;
  renderSeconds: Map<string, number | undefined>;
}

function runner(sim: ComfySim, extra: Partial<RunnerOptions> = {}) {
  const log: Log = { events: [], done: new Map(), failed: new Map(), queued: new Map(), interrupted: new Map(), renderSeconds: new Map() };
  const out = tempDir('gpuburst-run-');
  const more = extra.callbacks ?? {};
  const r = new PromptRunner({
    client: clientFor(sim),
    outputDir: out,
    ...FAST,
    ...extra,
    callbacks: {
      onQueued: (id, pid) => {
        log.events.push(`queued ${id}`);
        log.queued.set(id, [...(log.queued.get(id) ?? []), pid]);
        more.onQueued?.(id, pid);
      },
      onRunning: (id, pid) => {
        log.events.push(`running ${id}`);
        more.onRunning?.(id, pid);
      },
      onDone: (id, files, renderSeconds) => {
        log.events.push(`done ${id}`);
        log.done.set(id, files);
        log.renderSeconds.set(id, renderSeconds);
        more.onDone?.(id, files, renderSeconds);
      },
      onFailed: (id, reason) => {
        log.events.push(`failed ${id}`);
        log.failed.set(id, reason);
      },
      onCancelled: (id) => log.events.push(`cancelled ${id}`),
      onProgress: more.onProgress,
      onInterrupted: (id, reason, files) => {
        log.events.push(`interrupted ${id}`);
        log.interrupted.set(id, files);
        more.onInterrupted?.(id, reason, files);
      },
    },
  });
  return { r, log, out };
}

describe('prompt runner', () => {
  test('runs every prompt, keeps at least one queued behind the running one, reports each state, pulls files by id', async () => {
    const sim = await simWithModel({ token: 'runner-token-123', msPerStep: 8, outputBytes: 50_000 });
    const { r, log, out } = runner(sim);
    const summary = await r.run(items(8, 8));
    expect(summary).toEqual({ done: 8, failed: 0, skipped: 0, cancelled: 0, notStarted: 0, interrupted: 0 });
    for (let i = 0; i < 8; i++) {
      const id = `p${String(i).padStart(2, '0')}`;
      const mine = log.events.filter((e) => e.endsWith(` ${id}`)).map((e) => e.split(' ')[0]);
      expect(mine).toEqual(['queued', 'running', 'done']);
      const [file] = log.done.get(id)!;
      expect(file.path).toBe(path.join(out, 'run', `${id}.png`));
      expect(file.bytes).toBeGreaterThanOrEqual(50_000);
      expect(fs.readFileSync(file.path)).toEqual(fs.readFileSync(path.join(sim.dirs.output, 'run', file.filename)));
      // From the server's stamps: at least the 8 steps × 8 ms the simulated GPU spent on it.
      expect(log.renderSeconds.get(id)).toBeGreaterThanOrEqual(0.064);
    }
    const starts = sim.app!.worker.starts.map((s) => s.pendingAtStart);
    expect(starts).toHaveLength(8);
    // every prompt but the first (nothing queued yet) and the last (nothing left) started with another waiting
    expect(starts.slice(1, -1).every((n) => n >= 1)).toBe(true);
    expect(fs.readdirSync(path.join(out, 'run')).filter((f) => f.endsWith('.part'))).toEqual([]);
    // a per-prompt folder below the output folder (the session puts each workflow in its own)
    const sub = runner(sim, { outputSubfolder: (id) => `wf-${id.slice(-1)}` });
    await sub.r.run(items(2, 2, 20));
    expect(fs.readdirSync(sub.out).sort()).toEqual(['wf-0', 'wf-1']);
    expect(fs.readdirSync(path.join(sub.out, 'wf-0', 'run'))).toEqual(['p20.png']);
    const evil = runner(sim, { outputSubfolder: () => '../outside' });
    expect(await evil.r.run(items(1, 2, 30))).toMatchObject({ failed: 1 });
    expect(evil.log.failed.get('p30')).toMatch(/unsafe subfolder/);
    await sim.close();
  });

  test('a websocket dropped mid-render is recovered (reconnect + polling); nothing is lost', async () => {
    const sim = await simWithModel({ msPerStep: 10 });
    sim.workerFaults.dropWsAtStep = 3;
    const { r, log } = runner(sim);
    expect(await r.run(items(4, 6))).toMatchObject({ done: 4, failed: 0 });
    expect([...log.done.keys()].sort()).toEqual(['p00', 'p01', 'p02', 'p03']);
    expect(sim.workerFaults.dropWsAtStep).toBeUndefined(); // the fault fired
    await sim.close();
  });

  test('a websocket that stays open but silent: completion comes from polling /queue and /history', async () => {
    const sim = await simWithModel({ msPerStep: 5 });
    sim.app!.hub.silent = true;
    const { r, log } = runner(sim, { wsSilenceMs: 150 });
    expect(await r.run(items(3))).toMatchObject({ done: 3 });
    expect(log.events.filter((e) => e.startsWith('done'))).toHaveLength(3);
    await sim.close();
  });

  test('a server restart mid-batch: vanished prompts are queued again, finished files stay', async () => {
    const sim = await simWithModel({ msPerStep: 10 });
    let crashed = false;
    const { r, log, out } = runner(sim, {
      callbacks: {
        onDone: () => {
          if (crashed || log.done.size < 2) return;
          crashed = true;
          void sim.crash({ restartAfterMs: 300 });
        },
      },
    });
    const summary = await r.run(items(6, 10));
    expect(crashed).toBe(true);
    expect(summary).toMatchObject({ done: 6, failed: 0 });
    const requeued = [...log.queued.entries()].filter(([, pids]) => pids.length > 1).map(([id]) => id);
    expect(requeued.length).toBeGreaterThanOrEqual(1);
    expect(fs.readdirSync(path.join(out, 'run')).sort()).toEqual(['p00.png', 'p01.png', 'p02.png', 'p03.png', 'p04.png', 'p05.png']);
    await sim.close();
  });

  test('a prompt ComfyUI rejects (400) fails with node id and class; a run-time error fails its prompt; the rest go on', async () => {
    const sim = await simWithModel({ msPerStep: 5 });
    const batch = items(5);
    batch[1].prompt['4'].inputs.ckpt_name = 'not-there.safetensors';
    const { r, log } = runner(sim, {
      callbacks: {
        onQueued: (id) => {
          if (id === 'p03') sim.workerFaults.failNext = { exceptionType: 'torch.OutOfMemoryError', message: 'CUDA out of memory. Tried to allocate 2.00 GiB' };
        },
      },
    });
    expect(await r.run(batch)).toMatchObject({ done: 3, failed: 2 });
    expect(log.failed.get('p01')).toMatch(/node 4 \(CheckpointLoaderSimple\).*ckpt_name: 'not-there.safetensors'/);
    expect([...log.failed.keys()].sort()).toEqual(['p01', expect.stringMatching(/^p0[2-4]$/)]);
    const oom = [...log.failed.entries()].find(([id]) => id !== 'p01')![1];
    expect(oom).toMatch(/node 3 \(KSampler\) failed: torch.OutOfMemoryError: CUDA out of memory/);
    await sim.close();
  });

  test('done prompts are skipped; identical prompts are refused; a cache answer with another prompt\'s files is not taken as new', async () => {
    const sim = await simWithModel({ msPerStep: 3 });
    const [p00, p01] = items(2);
    // only the title differs: ComfyUI ignores _meta, so right after p00 it answers from cache with p00's file
    const p03 = { id: 'p03', prompt: JSON.parse(JSON.stringify(p00.prompt)) };
    p03.prompt['9']._meta = { title: 'only the title differs' };
    const p02 = { id: 'p02', prompt: JSON.parse(JSON.stringify(p01.prompt)) }; // identical to p01
    const { r, log } = runner(sim);
    const summary = await r.run([p00, p03, p01, p02]);
    expect(summary).toMatchObject({ done: 2, failed: 2 });
    expect(log.failed.get('p02')).toMatch(/identical to prompt p01/);
    expect(log.failed.get('p03')).toMatch(/from its cache with the files of prompt p00/);
    const again = runner(sim, { isDone: (id) => log.done.has(id) });
    expect(await again.r.run(items(2))).toMatchObject({ done: 0, skipped: 2 });
    await sim.close();
  });

  test('a prompt whose other save node ComfyUI served from cache is done: its new files are pulled, the cached one is not pulled twice', async () => {
    const sim = await simWithModel({ msPerStep: 3 });
    // A second branch that never changes (as a fixed `images:` file saved as is): from the second prompt on, ComfyUI
    // lists it with the first prompt's file, next to the new render (seen on a real ComfyUI 0.3.64).
    const batch = items(3).map((p) => {
      p.prompt['20'] = { class_type: 'EmptyImage', inputs: { width: 64, height: 64, batch_size: 1, color: 255 } };
      p.prompt['21'] = { class_type: 'SaveImage', inputs: { images: ['20', 0], filename_prefix: 'run/fixed' } };
      return p;
    });
    const { r, log } = runner(sim);
    expect(await r.run(batch)).toMatchObject({ done: 3, failed: 0 });
    expect(log.done.get('p00')).toHaveLength(2);
    for (const id of ['p01', 'p02']) {
      const files = log.done.get(id)!;
      expect(files).toHaveLength(1);
      expect(path.basename(files[0].path)).not.toMatch(/fixed/);
      expect(fs.existsSync(files[0].path)).toBe(true);
    }
    await sim.close();
  });

  test('stop(): nothing new is queued, waiting prompts are taken back, the running one finishes and is pulled', async () => {
    const sim = await simWithModel({ msPerStep: 20 });
    let stopped = false;
    const { r, log } = runner(sim, {
      callbacks: {
        onRunning: (id) => {
          if (id === 'p01' && !stopped) {
            stopped = true;
            r.stop();
          }
        },
      },
    });
    const summary = await r.run(items(6, 5));
    expect(log.done.has('p00')).toBe(true);
    expect(log.done.has('p01')).toBe(true);
    expect(summary.done + summary.cancelled + summary.notStarted).toBe(6);
    expect(summary.cancelled).toBeGreaterThanOrEqual(1);
    expect(summary.notStarted).toBeGreaterThanOrEqual(1);
    await new Promise((res) => setTimeout(res, 200));
    expect(sim.app!.queue.remaining).toBe(0);
    await sim.close();
  });
});

describe('interrupt() (Ctrl-C)', () => {
  const historyOf = (sim: ComfySim, promptId: string) => sim.app!.queue.history.get(promptId);

  test('the running prompt is interrupted on the server between steps, waiting ones taken back, outputs it already saved pulled', async () => {
    const sim = await simWithModel({ msPerStep: 20 });
    // Each prompt first saves an image of its own (an output node runs as soon as it can), then samples for 10 s.
    const long = items(4, 500).map((it) => ({ ...it, prompt: { ...it.prompt, '20': { class_type: 'EmptyImage', inputs: { width: 64, height: 64, batch_size: 1, color: Number(it.id.slice(1)) } }, '21': { class_type: 'SaveImage', inputs: { images: ['20', 0], filename_prefix: `early/${it.id}` } } } }));
    const { r, log, out } = runner(sim, { callbacks: { onProgress: (id) => id === 'p00' && r.interrupt() } });
    const summary = await r.run(long);
    expect(summary).toMatchObject({ done: 0, failed: 0 });
    // The waiting ones are taken back; one the server started before the delete landed is interrupted as well.
    expect(log.interrupted.has('p00')).toBe(true);
    expect(summary.interrupted + summary.cancelled + summary.notStarted).toBe(4);
    const pid = log.queued.get('p00')![0];
    const entry = historyOf(sim, pid)!;
    expect(entry.status).toMatchObject({ status_str: 'error', completed: false });
    expect(entry.status.messages.map(([type]) => type)).toContain('execution_interrupted');
    // The image its first SaveImage made is on this computer, reported with the interrupted prompt.
    const files = log.interrupted.get('p00')!;
    expect(files).toHaveLength(1);
    expect(fs.existsSync(files[0].path) && files[0].path.startsWith(out)).toBe(true);
    await new Promise((res) => setTimeout(res, 200));
    expect(sim.app!.queue.remaining).toBe(0);
    await sim.close();
  });

  test('without step events (no onProgress: the session\'s way), the running prompt is found on the server\'s queue and interrupted', async () => {
    const sim = await simWithModel({ msPerStep: 20 });
    // Slow safety polls: the runner cannot have learnt from them which prompt runs.
    const { r, log } = runner(sim, { safetyPollMs: 60_000, callbacks: { onQueued: () => undefined } });
    const running = r.run(items(3, 500));
    await new Promise<void>((resolve) => {
      const t = setInterval(() => sim.app!.worker.runningPromptId() && (clearInterval(t), resolve()), 10);
    });
    r.interrupt();
    const summary = await running;
    expect(summary).toMatchObject({ done: 0, interrupted: 1 });
    const pid = log.queued.get('p00')![0];
    expect(historyOf(sim, pid)!.status.messages.map(([type]) => type)).toContain('execution_interrupted');
    await sim.close();
  });

  test('a prompt that does not stop within the grace is given up as interrupted, so teardown is not held by it', async () => {
    const sim = await simWithModel({ msPerStep: 20 });
    // The interrupt never reaches the server in time.
    sim.faults.add({ fault: { kind: 'delay', ms: 1500 }, method: 'POST', path: '^/interrupt$', times: -1 });
    const { r, log } = runner(sim, { callbacks: { onProgress: (id) => id === 'p00' && r.interrupt(200) } });
    const summary = await r.run(items(1, 2000));
    expect(summary).toMatchObject({ done: 0, interrupted: 1 });
    expect([...log.interrupted.keys()]).toEqual(['p00']);
    await new Promise((res) => setTimeout(res, 1600)); // the delayed interrupt lands: nothing left open
    await sim.close();
  });
});

test('a wrong access token ends the run at once with an auth error (no retry loop, no hang)', async () => {
  const sim = await simWithModel({ token: 'the-right-token-123' });
  const r = new PromptRunner({ client: clientFor(sim, { token: 'a-wrong-token-456' }), outputDir: tempDir(), ...FAST });
  await expect(r.run(items(2))).rejects.toMatchObject({ code: 'ERR_AUTH' });
  expect(sim.app!.queue.remaining).toBe(0);
  await sim.close();
});

test('a server that never comes back: prompts in flight fail as unreachable and the run ends with a transient error', async () => {
  const sim = await simWithModel({ msPerStep: 20 });
  const { r, log } = runner(sim, {
    unreachableMs: 600,
    callbacks: {
      onRunning: (id) => {
        if (id === 'p00') void sim.crash();
      },
    },
  });
  await expect(r.run(items(5, 20))).rejects.toMatchObject({ code: 'ERR_TRANSIENT' });
  expect(log.failed.size).toBeGreaterThanOrEqual(1);
  for (const reason of log.failed.values()) expect(reason).toMatch(/did not answer for \d+ s/);
  await sim.close();
});
