// GPU-busy fraction of a whole simulated session (a session-level bench/comfy-fed): 500 prompts of 200 ms each
// (20 steps × 10 ms) on one simulated RunPod machine, run by runSession as `gpuburst run --simulate` does. Busy
// fraction = simulated render time (500 × 200 ms) / wall time of the render phase (the session's "rendering" event
// to the last output saved). Target: ≥ 98% (the render phase within 2% of the pure render time, as bench/comfy-fed).
// Usage: node bench/session-busy.bench.js [prompts=500]
const fs = require('fs');
const { benchInWorld, simulatedSession, promptTimes, line } = require('./session-common');

const PROMPTS = Number(process.argv[2] || 500);
const STEPS = 20;
const MS_PER_STEP = 10;

benchInWorld({ providers: ['runpod'], comfy: { msPerStep: MS_PER_STEP, imageSizePx: 64 } }, async (world) => {
  const cpu0 = process.cpuUsage();
  const { report, journal, events, dir } = await simulatedSession(world, { provider: 'runpod', prompts: PROMPTS, steps: STEPS });
  const cpu = process.cpuUsage(cpu0);
  const { done, lastSavedMs } = promptTimes(journal);
  const wallS = (lastSavedMs - events.find((e) => e.type === 'session' && e.status === 'rendering').at) / 1000;
  const renderS = (PROMPTS * STEPS * MS_PER_STEP) / 1000;
  console.log(`${done}/${PROMPTS} prompts × ${STEPS * MS_PER_STEP} ms; render phase ${wallS.toFixed(2)} s for ${renderS.toFixed(2)} s of rendering; session ${report.wallSeconds} s, billed ${report.billedSeconds} s`);
  const ok = line('GPU-busy fraction', `${((renderS / wallS) * 100).toFixed(1)}%`, '≥ 98%', renderS / wallS >= 0.98 && done === PROMPTS);
  line('this process CPU (orchestration + simulators)', `${((cpu.user + cpu.system) / 1000 / PROMPTS).toFixed(2)} ms per prompt`, '', undefined);
  fs.rmSync(dir, { recursive: true, force: true });
  return ok;
});
