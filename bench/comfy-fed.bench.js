// Keep the GPU fed: N prompts at 200 ms simulated render each (20 steps × 10 ms) through the prompt runner.
// Target: wall time from "machine ready" to "last output pulled" within 2% of N × 200 ms.
// Usage: node bench/comfy-fed.bench.js [prompts=500]
const fs = require('fs');
const os = require('os');
const path = require('path');
const { ComfyClient } = require('../dist/src/comfy/client');
const { PromptRunner } = require('../dist/src/comfy/runner');
const { startSimProcess, sd15Prompt, line, SD15 } = require('./comfy-common');

const N = Number(process.argv[2] || 500);
const STEPS = 20;
const MS_PER_STEP = 10;

(async () => {
  const sim = await startSimProcess({ token: 'bench-token-fed-0001', msPerStep: MS_PER_STEP, models: { checkpoints: [SD15] } });
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-fed-'));
  try {
    const client = new ComfyClient({ baseUrl: sim.url, token: sim.token });
    await client.waitUntilReady({ timeoutSeconds: 30, pollMs: 50 });
    const items = Array.from({ length: N }, (_, i) => ({ id: `fed-${i}`, prompt: sd15Prompt(10_000 + i, STEPS, 'fed/ComfyUI') }));
    let failed = 0;
    const runner = new PromptRunner({ client, outputDir: out, callbacks: { onFailed: () => failed++ } });
    const t0 = Date.now();
    const summary = await runner.run(items);
    const wallMs = Date.now() - t0;
    const { starts } = await sim.state();
    const ideal = N * STEPS * MS_PER_STEP;
    let idle = 0;
    for (let i = 1; i < starts.length; i++) idle += Math.max(0, starts[i].at - starts[i - 1].endAt);
    const fedAhead = starts.slice(1, -1).filter((s) => s.pendingAtStart >= 1).length;
    const renderMs = starts.reduce((a, s) => a + (s.endAt - s.at), 0);
    console.log(`${N} prompts × ${STEPS * MS_PER_STEP} ms; done ${summary.done}, failed ${failed}`);
    line('wall time after ready', `${(wallMs / 1000).toFixed(2)} s (+${((wallMs / ideal - 1) * 100).toFixed(2)}%)`, `≤ ${(ideal * 1.02 / 1000).toFixed(2)} s (+2%)`, wallMs <= ideal * 1.02 && summary.done === N);
    line('real gaps between prompts (sum)', `${idle} ms (sim bookkeeping)`, 'info', true);
    line('simulated render time (sum)', `${(renderMs / 1000).toFixed(2)} s (${(renderMs / N).toFixed(1)} ms each)`, 'info', true);
    line('prompts started with one queued', `${fedAhead}/${Math.max(0, starts.length - 2)}`, 'all but first and last', fedAhead === Math.max(0, starts.length - 2));
  } finally {
    await sim.close();
    fs.rmSync(out, { recursive: true, force: true });
  }
})().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
