// Offers from all four clouds at once, as `gpuburst offers` reads them (collectOffers: every keyed cloud in
// parallel), against the four simulators with 300 ms of latency added to every API request. Target (issue 3/7):
// < 0.5 s — about one round trip, so the clouds and each cloud's own requests must overlap. Each cloud alone is
// shown too. Median of 5 after a warm-up.
const path = require('path');
const dist = path.join(__dirname, '..', 'dist');
const { startWorld } = require(path.join(dist, 'src/sim/world'));
const { collectOffers } = require(path.join(dist, 'src/catalog/live'));
const { loadCatalog } = require(path.join(dist, 'src/catalog/load'));
const { line } = require('./session-common');

const LATENCY_MS = 300;
const CLOUDS = ['runpod', 'vast', 'lambda', 'paperspace'];

async function medianMs(fn, runs = 5) {
  await fn(); // warm-up: module loading, first connections
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)];
}

(async () => {
  const world = await startWorld({ latencyMs: LATENCY_MS });
  const { catalog } = loadCatalog({ env: {} });
  let ok = true;
  try {
    const collect = async (clouds) => {
      const r = await collectOffers({ catalog, env: world.env, clouds });
      if (r.errors.length) throw new Error(`offers failed: ${r.errors.map((e) => `${e.provider} ${e.code} ${e.message}`).join('; ')}`);
      return r;
    };
    for (const c of CLOUDS) line(`${c} alone`, `${(await medianMs(() => collect([c]))).toFixed(0)} ms`, '', undefined);
    const all = await medianMs(() => collect(CLOUDS));
    const live = (await collect(CLOUDS)).offers.filter((o) => o.live).length;
    ok = line(`all four in parallel (${live} live offers)`, `${all.toFixed(0)} ms`, '< 500 ms', all < 500);
  } finally {
    await world.close();
  }
  process.exitCode = ok ? 0 : 1;
})().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
