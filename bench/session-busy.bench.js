// GPU-busy fraction of a whole simulated session: 500 prompts of 200 ms each (20 steps × 10 ms) on one simulated
// RunPod machine, run by runSession as `gpuburst run --simulate` does (the real agent, simulated boot and model
// placement). Busy fraction = render seconds (500 × 200 ms, the GPU work asked for) / billed seconds of the machine
// as the simulator's meter counted them: boot, model placement, rendering, pulling and teardown all included.
// The render phase alone (the session's "rendering" event to the last output saved) is shown for comparison.
// Everything is simulated; the figure is gpuburst's overhead around a GPU, not a cloud's boot time.
// Usage: node bench/session-busy.bench.js [prompts=500]
const fs = require('fs');
const path = require('path');
const { Worker } = require(path.join(__dirname, '..', 'dist/src/sim/comfyui/worker'));
const { benchInWorld, simulatedSession, promptTimes, rawCompute, line } = require('./session-common');

const PROMPTS = Number(process.argv[2] || 500);
const STEPS = 20;
const MS_PER_STEP = 10;

// Every simulated ComfyUI worker of the session, to read its per-prompt start log afterwards.
const workers = new Set();
const kick = Worker.prototype.kick;
Worker.prototype.kick = function () {
  workers.add(this);
  return kick.call(this);
};

/** Where the render phase's non-GPU time went, from the worker's log: gaps between prompts, and starved starts. */
function gaps() {
  const starts = [...workers].flatMap((w) => w.starts).filter((s) => s.endAt !== undefined);
  let gapMs = 0;
  for (let i = 1; i < starts.length; i++) gapMs += starts[i].at - starts[i - 1].endAt;
  const workMs = starts.reduce((n, s) => n + s.endAt - s.at, 0);
  const starved = starts.slice(1).filter((s) => s.pendingAtStart === 0).length;
  return { gapMs, workMs, starved, count: starts.length };
}

// Small images, as in session-scaling: the simulated renders' PNG encoding runs in this process, beside gpuburst.
benchInWorld({ providers: ['runpod'], comfy: { msPerStep: MS_PER_STEP, imageSizePx: 16 } }, async (world) => {
  const cpu0 = process.cpuUsage();
  const { report, journal, events, dir } = await simulatedSession(world, { provider: 'runpod', prompts: PROMPTS, steps: STEPS });
  const cpu = process.cpuUsage(cpu0);
  const { done, lastSavedMs } = promptTimes(journal);
  const renderS = (PROMPTS * STEPS * MS_PER_STEP) / 1000;
  const rec = journal.machines.find((m) => m.id);
  const state = world.sims.find((s) => s.provider === 'runpod').state().machines.find((m) => m.id === rec.id);
  const billedS = state.billedSeconds;
  const endMs = Date.parse(state.terminatedAt);
  const startMs = endMs - rawCompute.get(rec.id) * 1000;
  const renderingAt = events.find((e) => e.type === 'session' && e.status === 'rendering').at;
  const phase = (a, b) => `${((b - a) / 1000).toFixed(2)} s`;
  console.log(`${done}/${PROMPTS} prompts × ${STEPS * MS_PER_STEP} ms = ${renderS.toFixed(2)} s of rendering; billed ${billedS} s:`);
  console.log(`  boot ${phase(startMs, Date.parse(rec.readyAt))} · models + start ${phase(Date.parse(rec.readyAt), renderingAt)} · render phase ${phase(renderingAt, lastSavedMs)} · teardown ${phase(lastSavedMs, endMs)}`);
  const g = gaps();
  console.log(`  on the simulated machine: ${g.count} prompts took ${(g.workMs / 1000).toFixed(2)} s start to end (sampler + the simulator's own PNG writes and events), ${(g.gapMs / 1000).toFixed(2)} s between prompts; ${g.starved} of ${g.count - 1} later prompts found the queue empty (GPU starved by the client)`);
  const ok = line('GPU busy, whole session (simulated)', `${((renderS / billedS) * 100).toFixed(1)}%`, '≥ 95%', renderS / billedS >= 0.95 && done === PROMPTS);
  line('GPU busy, render phase only (simulated)', `${((renderS / ((lastSavedMs - renderingAt) / 1000)) * 100).toFixed(1)}%`, '≥ 98%', renderS / ((lastSavedMs - renderingAt) / 1000) >= 0.98);
  line('this process CPU (orchestration + simulators)', `${((cpu.user + cpu.system) / 1000 / PROMPTS).toFixed(2)} ms per prompt`, '', undefined);
  fs.rmSync(dir, { recursive: true, force: true });
  return ok;
});
