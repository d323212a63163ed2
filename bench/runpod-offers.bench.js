// RunPod offers against the simulator with 300 ms of API latency: the v2 catalog (both clouds) and the GraphQL
// spot prices are read in parallel, so one call should cost about one round trip (issue 3 target: offers < 0.5 s).
const path = require('path');
const dist = path.join(__dirname, '..', 'dist');
const { start } = require(path.join(dist, 'src/sim/runpod'));
const { createProvider } = require(path.join(dist, 'providers/runpod'));

async function main() {
  const sim = await start({ latencyMs: 300, rateLimitPerMinute: 100000 });
  try {
    const provider = createProvider({ baseUrl: sim.env.GPUBURST_RUNPOD_API_URL, apiKey: sim.env.RUNPOD_API_KEY, extra: {} });
    await provider.listOffers({}); // warm-up (module loading, first connection)
    const runs = [];
    for (let i = 0; i < 5; i++) {
      const t0 = process.hrtime.bigint();
      await provider.listOffers({});
      runs.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    runs.sort((a, b) => a - b);
    const median = runs[Math.floor(runs.length / 2)];
    console.log(`runpod listOffers, 300 ms API latency: median ${median.toFixed(0)} ms over ${runs.length} runs (target < 500 ms) ${median < 500 ? 'OK' : 'MISSED'}`);
  } finally {
    await sim.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
