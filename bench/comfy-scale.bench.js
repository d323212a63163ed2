// 10,000 prompts in one batch with instant renders (simulated: a ComfyUI simulator in another process, loopback): the
// batch is expanded, queued, tracked and every output pulled. Targets: orchestration CPU of this process ≤ 0.5 ms per
// prompt; peak RSS < 250 MB. The simulator's CPU and memory are not counted. Outputs go to /dev/shm when there is
// one: on this shared VM, creating 10,000 files on the ext4 disk cost 0.3–0.8 ms of system time per file from one
// run to the next, which would drown the figure this measures.
// Usage: node bench/comfy-scale.bench.js [prompts=10000]
const fs = require('fs');
const os = require('os');
const path = require('path');
const { ComfyClient } = require('../dist/src/comfy/client');
const { PromptRunner } = require('../dist/src/comfy/runner');
const { prepareBatch } = require('../dist/src/comfy/batch/expand');
const { bundledObjectInfo } = require('../dist/src/comfy/workflow/object-info');
const { startSimProcess, rssSampler, sd15Prompt, line, MB, SD15 } = require('./comfy-common');
const { execFileSync } = require('child_process');
const { runBare, promptJsonFrom } = require('./comfy-bare');

const N = Number(process.argv[2] || 10000);

(async () => {
  const sim = await startSimProcess({ token: 'bench-token-scale-1', msPerStep: 0, imageSizePx: 16, models: { checkpoints: [SD15] } });
  const root = fs.mkdtempSync(path.join(fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'gpuburst-scale-'));
  try {
    const batchFile = path.join(root, 'scale.yaml');
    fs.writeFileSync(batchFile, `output: out\nworkflows:\n  - path: ${path.join(__dirname, '../examples/sd15-txt2img.api.json')}\n    repeat: ${N}\n    substitutions:\n      - find: "{subject}"\n        values: [a lighthouse]\n`);
    const client = new ComfyClient({ baseUrl: sim.url, token: sim.token });
    await client.waitUntilReady({ timeoutSeconds: 30, pollMs: 50 });
    global.gc?.();
    const rss = rssSampler(50);
    const cpu0 = process.cpuUsage();
    const t0 = Date.now();
    const { batch, prompts } = prepareBatch(batchFile, bundledObjectInfo());
    const cpuExpand = process.cpuUsage(cpu0);
    let failed = 0;
    // The second half alone: without the start-up costs (modules loaded on first use, V8 optimizing the hot code) that
    // the whole-run figure spreads over N.
    let done = 0;
    let cpuHalf;
    const onDone = () => ++done === Math.floor(N / 2) && (cpuHalf = process.cpuUsage(cpu0));
    const runner = new PromptRunner({ client, outputDir: batch.outputDir, callbacks: { onDone, onFailed: (id, reason) => failed++ < 3 && console.log(id, reason) } });
    const summary = await runner.run(prompts);
    const cpu = process.cpuUsage(cpu0);
    const wallS = (Date.now() - t0) / 1000;
    const peak = rss.stop();
    const { cpu: simCpu } = await sim.state();
    const perPrompt = (cpu.user + cpu.system) / 1000 / N;
    const files = fs.readdirSync(path.join(batch.outputDir, 'sd15')).length;
    console.log(`${N} prompts: done ${summary.done}, failed ${summary.failed}, ${files} files pulled, wall ${wallS.toFixed(1)} s (${(N / wallS).toFixed(0)} prompts/s)`);
    line('expansion CPU', `${((cpuExpand.user + cpuExpand.system) / 1000).toFixed(0)} ms`, 'info', true);
    line('orchestration CPU per prompt', `${perPrompt.toFixed(3)} ms (user ${(cpu.user / 1000 / N).toFixed(3)}, sys ${(cpu.system / 1000 / N).toFixed(3)})`, '≤ 0.5 ms', perPrompt <= 0.5 && summary.done === N);
    const half = cpuHalf && (cpu.user + cpu.system - cpuHalf.user - cpuHalf.system) / 1000 / (N - Math.floor(N / 2));
    line('second half alone, per prompt', half === undefined ? 'not reached' : `${half.toFixed(3)} ms`, 'info', true);
    line('peak RSS', `${(peak / MB).toFixed(0)} MiB`, '< 250 MiB', peak < 250 * MB);
    // The floor: the same requests, frames and files with no gpuburst code (./comfy-bare), against the same simulator.
    // Quiet is the wire work gpuburst's runner does since session 4; loud, what it did before (every step event).
    const floor = async (quiet) => {
      const dir = path.join(root, quiet ? 'bare-quiet' : 'bare-loud');
      fs.mkdirSync(dir);
      const bare = await runBare({ url: sim.url, token: sim.token, count: N, quiet, promptJson: promptJsonFrom(sd15Prompt(0, 20, 'bare/ComfyUI'), quiet ? 2e6 : 1e6), outDir: dir });
      const files = fs.readdirSync(dir).filter((f) => f.endsWith('.png')).length;
      return { perPrompt: (bare.user + bare.system) / 1000 / N, files, bare };
    };
    const quiet = await floor(true);
    line('floor: bare Node client, same work', `${quiet.perPrompt.toFixed(3)} ms (${quiet.files} files; user ${(quiet.bare.user / 1000 / N).toFixed(3)}, sys ${(quiet.bare.system / 1000 / N).toFixed(3)})`, 'info', true);
    line('gpuburst above the floor', `${(perPrompt - quiet.perPrompt).toFixed(3)} ms per prompt`, 'info', true);
    // The floor above ran in this process after gpuburst: undici loaded, Node's own code optimized, gpuburst's heap
    // still there. gpuburst's whole-run figure starts cold; so does this one, the same work in a fresh process.
    const coldDir = path.join(root, 'bare-cold');
    fs.mkdirSync(coldDir);
    const coldCpu = JSON.parse(execFileSync(process.execPath, [path.join(__dirname, 'comfy-bare.js'), JSON.stringify({ url: sim.url, token: sim.token, count: N, quiet: true, outDir: coldDir })], { encoding: 'utf8' }));
    const coldPer = (coldCpu.user + coldCpu.system) / 1000 / N;
    line('floor cold, in a process of its own', `${coldPer.toFixed(3)} ms (${fs.readdirSync(coldDir).filter((f) => f.endsWith('.png')).length} files)`, 'info', true);
    line('gpuburst above the cold floor', `${(perPrompt - coldPer).toFixed(3)} ms per prompt`, 'info', true);
    const loud = await floor(false);
    line('floor with every step event (old)', `${loud.perPrompt.toFixed(3)} ms (${loud.files} files)`, 'info', true);
    line('simulator CPU per prompt (other process)', `${((simCpu.user + simCpu.system) / 1000 / N).toFixed(3)} ms`, 'info', true);
  } finally {
    await sim.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
})().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
