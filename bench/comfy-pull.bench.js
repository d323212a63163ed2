// Pulling outputs: 200 files × 5 MB from the simulator, streamed to disk by gpuburst's pull path (4 at a time),
// against curl fetching the same files over loopback with the same parallelism.
// Targets: throughput ≥ 80% of curl's; peak RSS of this process < 200 MB (files are streamed, never held whole).
// Usage: node bench/comfy-pull.bench.js [files=200] [megabytes=5] [rounds=3]
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
const ROUNDS = Number(process.argv[4] || 3);

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

(async () => {
  const sim = await startSimProcess({ token: 'bench-token-pull-01', msPerStep: 0, outputBytes: SIZE, models: { checkpoints: [SD15] } });
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-pull-'));
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
    let peak = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const curlDir = path.join(root, `curl-${round}`);
      fs.mkdirSync(curlDir);
      const config = files.map((f, i) => `url = "${sim.url}/view?filename=${encodeURIComponent(f.filename)}&subfolder=${encodeURIComponent(f.subfolder)}&type=output"\noutput = "${path.join(curlDir, `${i}.png`)}"`).join('\n');
      fs.writeFileSync(path.join(root, 'curl.cfg'), config);
      spawnSync('sync');
      const c0 = process.hrtime.bigint();
      const curl = spawnSync('curl', ['-s', '-f', '--parallel', '--parallel-max', String(PARALLEL), '-H', `Authorization: Bearer ${sim.token}`, '-K', path.join(root, 'curl.cfg')], { stdio: 'ignore' });
      curlRuns.push(Number(process.hrtime.bigint() - c0) / 1e9);
      if (curl.status !== 0) throw new Error(`curl failed (${curl.status})`);
      fs.rmSync(curlDir, { recursive: true, force: true });

      // gpuburst's pull path: pullOutputs per prompt through one shared limiter, as the runner does.
      const ours = path.join(root, `ours-${round}`);
      spawnSync('sync');
      const rss = rssSampler();
      const t0 = process.hrtime.bigint();
      const limiter = new Limiter(PARALLEL);
      const pulled = await Promise.all(files.map((f, i) => pullOutputs(`p${i}`, [f], { client, outputDir: ours, limiter })));
      ourRuns.push(Number(process.hrtime.bigint() - t0) / 1e9);
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
    line('gpuburst throughput (median)', `${oursMBs.toFixed(0)} MiB/s (${oursS.toFixed(2)} s)`, `≥ ${(0.8 * curlMBs).toFixed(0)} MiB/s (80% of curl)`, oursMBs >= 0.8 * curlMBs);
    line('node http, discarding (ceiling)', `${(bytes / MB / median(floorRuns)).toFixed(0)} MiB/s (${median(floorRuns).toFixed(2)} s)`, 'info', true);
    line('ratio to curl', `${((oursMBs / curlMBs) * 100).toFixed(0)}%`, '≥ 80%', oursMBs >= 0.8 * curlMBs);
    line('peak RSS while pulling', `${(peak / MB).toFixed(0)} MiB`, '< 200 MiB', peak < 200 * MB);
  } finally {
    await sim.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
})().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
