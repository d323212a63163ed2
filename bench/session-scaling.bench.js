// 1 and 4 simulated pods on RunPod sharing one queue, RUNS times in a row: throughput of the render phase (the
// session's "rendering" event to the last output saved) for 48 prompts of 400 ms each (20 steps × 20 ms), long
// enough that orchestration is not the bottleneck. The first run also does 2 pods. A session that does not end
// within its time limit (3 × its ideal render time + 90 s) is a stall: it is aborted (and torn down) and the run
// counts as failed. Target: 4 pods ≥ 3.9× one pod in every run, no stall. Everything is simulated.
// Usage: node bench/session-scaling.bench.js [runs=20] [prompts=48] [msPerStep=20]
const fs = require('fs');
const os = require('os');
const { benchInWorld, simulatedSession, promptTimes, line } = require('./session-common');

const RUNS = Number(process.argv[2] || 20);
const PROMPTS = Number(process.argv[3] || 48);
const MS_PER_STEP = Number(process.argv[4] || 20);
const STEPS = 20;
const TARGET = 3.9;

/** One session; its throughput in prompts/s, or undefined when it stalled past its limit. */
async function throughput(world, pods) {
  const idealS = (PROMPTS * STEPS * MS_PER_STEP) / 1000 / pods;
  const ac = new AbortController();
  const limitMs = (3 * idealS + 90) * 1000;
  const timer = setTimeout(() => ac.abort(), limitMs);
  try {
    const { journal, events, dir } = await simulatedSession(world, { provider: 'runpod', pods, prompts: PROMPTS, steps: STEPS, signal: ac.signal });
    fs.rmSync(dir, { recursive: true, force: true });
    const { done, lastSavedMs } = promptTimes(journal);
    if (ac.signal.aborted || done !== PROMPTS) {
      console.log(`  ${pods} pod(s): STALL or incomplete (${done}/${PROMPTS} done within ${(limitMs / 1000).toFixed(0)} s)`);
      return undefined;
    }
    const seconds = (lastSavedMs - events.find((e) => e.type === 'session' && e.status === 'rendering').at) / 1000;
    const machines = new Set(journal.prompts.map((p) => p.machine)).size;
    console.log(`  ${pods} pod(s): ${done}/${PROMPTS} prompts on ${machines} machine(s) in ${seconds.toFixed(2)} s (ideal ${idealS.toFixed(2)} s)`);
    return done / seconds;
  } finally {
    clearTimeout(timer);
  }
}

// Small images: the simulated renders' PNG encoding runs in this process and must not be what is measured.
benchInWorld({ providers: ['runpod'], comfy: { msPerStep: MS_PER_STEP, imageSizePx: 16 } }, async (world) => {
  const ratios = [];
  let stalls = 0;
  for (let run = 1; run <= RUNS; run++) {
    console.log(`run ${run}/${RUNS} (1-minute load average ${os.loadavg()[0].toFixed(2)})`);
    const one = await throughput(world, 1);
    if (run === 1) {
      const two = await throughput(world, 2);
      if (one && two) line('throughput, 2 pods (run 1)', `${two.toFixed(2)} prompts/s (${(two / one).toFixed(2)}×)`, '', undefined);
    }
    const four = await throughput(world, 4);
    if (!one || !four) stalls++;
    else ratios.push(four / one);
  }
  const sorted = [...ratios].sort((a, b) => a - b);
  const below = ratios.filter((r) => r < TARGET).length;
  const summary = sorted.length ? `min ${sorted[0].toFixed(2)}×, median ${sorted[Math.floor(sorted.length / 2)].toFixed(2)}×, max ${sorted[sorted.length - 1].toFixed(2)}×` : 'none';
  line(`4 pods / 1 pod over ${RUNS} runs (simulated)`, summary, `≥ ${TARGET}× in every run`, below === 0 && stalls === 0);
  return line('runs below target / stalled', `${below} / ${stalls}`, '0 / 0', below === 0 && stalls === 0);
});
