// 1, 2 and 4 simulated pods on RunPod sharing one queue: throughput of the render phase (from the session's
// "rendering" event to the last output saved) for 48 prompts of 400 ms each (20 steps × 20 ms), long enough that
// orchestration is not the bottleneck. Target (issue 5): 4 pods ≥ 3.8× one pod.
// Usage: node bench/session-scaling.bench.js [prompts=48] [msPerStep=20]
const fs = require('fs');
const { benchInWorld, simulatedSession, promptTimes, line } = require('./session-common');

const PROMPTS = Number(process.argv[2] || 48);
const MS_PER_STEP = Number(process.argv[3] || 20);
const STEPS = 20;

// Small images: the simulated renders' PNG encoding runs in this process and must not be what is measured.
benchInWorld({ providers: ['runpod'], comfy: { msPerStep: MS_PER_STEP, imageSizePx: 16 } }, async (world) => {
  const rates = {};
  for (const pods of [1, 2, 4]) {
    const { report, journal, events, dir } = await simulatedSession(world, { provider: 'runpod', pods, prompts: PROMPTS, steps: STEPS });
    const { done, lastSavedMs } = promptTimes(journal);
    const renderStart = events.find((e) => e.type === 'session' && e.status === 'rendering').at;
    const seconds = (lastSavedMs - renderStart) / 1000;
    rates[pods] = done / seconds;
    const machines = new Set(journal.prompts.map((p) => p.machine)).size;
    const ideal = (PROMPTS * STEPS * MS_PER_STEP) / 1000 / pods;
    console.log(`${pods} pod(s): ${done}/${PROMPTS} prompts on ${machines} machine(s) in ${seconds.toFixed(2)} s (ideal ${ideal.toFixed(2)} s), ${report.machines.filter((m) => m.result === 'terminated').length} terminated`);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  line('throughput, 1 pod', `${rates[1].toFixed(2)} prompts/s`, '', undefined);
  line('throughput, 2 pods', `${rates[2].toFixed(2)} prompts/s (${(rates[2] / rates[1]).toFixed(2)}×)`, '', undefined);
  return line('throughput, 4 pods', `${rates[4].toFixed(2)} prompts/s (${(rates[4] / rates[1]).toFixed(2)}×)`, '≥ 3.8× one pod', rates[4] / rates[1] >= 3.8);
});
