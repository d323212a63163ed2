// Pulling outputs: 200 files × 5 MB from the simulator (simulated: loopback, a ComfyUI simulator in another process),
// written by gpuburst's pull path (4 at a time) and by curl fetching the same files with the same parallelism.
// Both write into the same folder, on /dev/shm when there is one: the figure is then the pull path's, not this
// virtual disk's writeback (which swung curl alone between 480 and 1100 MiB/s on a shared machine).
// Targets: throughput ≥ 90% of curl's; peak RSS of this process < 200 MB (files are streamed, never held whole).
// Also shown: CPU seconds per GiB of each (less noisy than wall time when the machine is shared).
// Usage: node bench/comfy-pull.bench.js [files=200] [megabytes=5] [rounds=5]
const { spawnSync } = require('child_process');
const http = require('http');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { ComfyClient } = require('../dist/src/comfy/client');
const { Limiter, outputFiles, pullOutputs } = require('../dist/src/comfy/outputs');
const { startSimProcess, rssSampler, sd15Prompt, line, MB, SD15 } = require('./comfy-common');

const FILES = Number(process.argv[2] || 200);
const SIZE = Math.round(Number(process.argv[3] || 5) * 1e6);
const PARALLEL = 4;
const ROUNDS = Number(process.argv[4] || 5);
const SCRATCH = fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();

async function waitAll(client, ids) {
  const entries = [];
  for (const id of ids) {
    for (;;) {
      const e = await client.history(id);
      if (e) {
        entries.push(e);
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  return entries;
}

/** User + system seconds of the children from bash's `times` output (its second line). */
function cpuOfTimes(out) {
  const lines = out.trim().split('\n');
  const secs = (lines[lines.length - 1].match(/(\d+)m([\d.]+)s/g) ?? []).map((t) => {
    const [, m, sec] = /(\d+)m([\d.]+)s/.exec(t);
    return Number(m) * 60 + Number(sec);
  });
  return secs.reduce((a, b) => a + b, 0);
}

(async () => {
  const sim = await startSimProcess({ token: 'bench-token-pull-01', msPerStep: 0, outputBytes: SIZE, models: { checkpoints: [SD15] } });
  const root = fs.mkdtempSync(path.join(SCRATCH, 'gpuburst-pull-'));
  try {
    const client = new ComfyClient({ baseUrl: sim.url, token: sim.token });
    await client.waitUntilReady({ timeoutSeconds: 30, pollMs: 50 });
    // Render first (instant), so both contenders download the very same finished files.
    const ids = [];
    for (let i = 0; i < FILES; i++) ids.push((await client.queuePrompt(sd15Prompt(i, 1, 'pull/ComfyUI'))).promptId);
    const files = (await waitAll(client, ids)).flatMap((e) => outputFiles(e));
    const bytes = files.reduce((n, f) => n + fs.statSync(path.join(sim.outputDir, f.subfolder, f.filename)).size, 0);

    // Rounds alternate curl and gpuburst, each after a `sync` into a fresh folder (loopback + disk on a shared
    // machine is noisy); the median of each is compared.
    const curlRuns = [];
    const ourRuns = [];
    const curlCpu = [];
    const ourCpu = [];
    let peak = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const curlDir = path.join(root, `curl-${round}`);
      fs.mkdirSync(curlDir);
      const config = files.map((f, i) => `url = "${sim.url}/view?filename=${encodeURIComponent(f.filename)}&subfolder=${encodeURIComponent(f.subfolder)}&type=output"\noutput = "${path.join(curlDir, `${i}.png`)}"`).join('\n');
      fs.writeFileSync(path.join(root, 'curl.cfg'), config);
      spawnSync('sync');
      const c0 = process.hrtime.bigint();
      // bash's `times` reports the CPU its child (curl) used.
      const curlCmd = `curl -s -f --parallel --parallel-max ${PARALLEL} -H "Authorization: Bearer ${sim.token}" -K '${path.join(root, 'curl.cfg')}' >/dev/null && times`;
      const curl = spawnSync('bash', ['-c', curlCmd], { encoding: 'utf8' });
      curlRuns.push(Number(process.hrtime.bigint() - c0) / 1e9);
      if (curl.status !== 0) throw new Error(`curl failed (${curl.status})`);
      curlCpu.push(cpuOfTimes(curl.stdout));
      fs.rmSync(curlDir, { recursive: true, force: true });

      // gpuburst's pull path: pullOutputs per prompt through one shared limiter, as the runner does.
      const ours = path.join(root, `ours-${round}`);
      spawnSync('sync');
      const rss = rssSampler();
      const t0 = process.hrtime.bigint();
      const limiter = new Limiter(PARALLEL);
      const cpu0 = process.cpuUsage();
      const pulled = await Promise.all(files.map((f, i) => pullOutputs(`p${i}`, [f], { client, outputDir: ours, limiter })));
      ourRuns.push(Number(process.hrtime.bigint() - t0) / 1e9);
      const cpu = process.cpuUsage(cpu0);
      ourCpu.push((cpu.user + cpu.system) / 1e6);
      peak = Math.max(peak, rss.stop());
      const written = pulled.flat().reduce((n, f) => n + f.bytes, 0);
      if (written !== bytes) throw new Error(`wrote ${written} bytes, expected ${bytes}`);
      fs.rmSync(ours, { recursive: true, force: true });
    }
    // For the record: Node's own HTTP client receiving the same files and discarding them (no disk, no gpuburst
    // code) — the ceiling of any Node-side puller on this machine.
    const agent = new http.Agent({ keepAlive: true });
    const floorRuns = [];
    for (let round = 0; round < ROUNDS; round++) {
      const t0 = process.hrtime.bigint();
      let next = 0;
      await Promise.all(Array.from({ length: PARALLEL }, async () => {
        while (next < files.length) {
          const f = files[next++];
          await new Promise((resolve, reject) => http.get(`${sim.url}/view?filename=${encodeURIComponent(f.filename)}&subfolder=${encodeURIComponent(f.subfolder)}&type=output`, { agent, headers: { authorization: `Bearer ${sim.token}` } }, (res) => res.on('data', () => undefined).on('end', resolve).on('error', reject)).on('error', reject));
        }
      }));
      floorRuns.push(Number(process.hrtime.bigint() - t0) / 1e9);
    }
    agent.destroy();
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const curlS = median(curlRuns);
    const oursS = median(ourRuns);
    const oursMBs = bytes / MB / oursS;
    const curlMBs = bytes / MB / curlS;
    console.log(`${files.length} files × ${(SIZE / 1e6).toFixed(1)} MB = ${(bytes / MB).toFixed(0)} MiB over loopback, ${PARALLEL} at a time`);
    console.log(`runs (s): curl ${curlRuns.map((x) => x.toFixed(2)).join(' ')} · gpuburst ${ourRuns.map((x) => x.toFixed(2)).join(' ')}`);
    line('curl throughput (median)', `${curlMBs.toFixed(0)} MiB/s (${curlS.toFixed(2)} s)`, 'reference', true);
    line('gpuburst throughput (median)', `${oursMBs.toFixed(0)} MiB/s (${oursS.toFixed(2)} s)`, `≥ ${(0.9 * curlMBs).toFixed(0)} MiB/s (90% of curl)`, oursMBs >= 0.9 * curlMBs);
    line('node http, discarding (ceiling)', `${(bytes / MB / median(floorRuns)).toFixed(0)} MiB/s (${median(floorRuns).toFixed(2)} s)`, 'info', true);
    line('ratio to curl', `${((oursMBs / curlMBs) * 100).toFixed(0)}% (rounds: ${ourRuns.map((o, i) => `${((curlRuns[i] / o) * 100).toFixed(0)}%`).join(' ')})`, '≥ 90%', oursMBs >= 0.9 * curlMBs);
    const gib = bytes / 1024 ** 3;
    line('CPU per GiB (median)', `gpuburst ${(median(ourCpu) / gib).toFixed(2)} s, curl ${(median(curlCpu) / gib).toFixed(2)} s`, 'info', true);
    line('peak RSS while pulling', `${(peak / MB).toFixed(0)} MiB`, '< 200 MiB', peak < 200 * MB);
  } finally {
    await sim.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
})().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
