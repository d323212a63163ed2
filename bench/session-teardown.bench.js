// Teardown latency and billing overshoot of a whole simulated session on each provider (the world and timings of
// `gpuburst run --simulate`: 10 prompts × 200 ms renders, one machine, the real agent).
// - teardown latency: last output saved (the journal's endedAt of the last prompt) → the terminate request arriving
//   at the provider API (target < 1 s, issue 5);
// - billed beyond boot + render: the simulator's billed seconds − (last output saved − billing start), i.e. the
//   billing tail after the work plus the provider's rounding (target ≤ 5 s, issue 5). Billing start is read back from
//   the simulator's meter (billing end − raw compute seconds). Also shown: the billing after the last output alone
//   (gpuburst's part, without the provider's rounding — Lambda bills per started minute).
// Usage: node bench/session-teardown.bench.js [prompts=10]
const fs = require('fs');
const { benchInWorld, simulatedSession, promptTimes, watchTerminates, rawCompute, line } = require('./session-common');

const PROMPTS = Number(process.argv[2] || 10);
const PROVIDERS = ['runpod', 'vast', 'lambda', 'paperspace'];

benchInWorld({}, async (world) => {
  const terminates = Object.fromEntries(world.sims.map((s) => [s.provider, watchTerminates(s)]));
  let ok = true;
  for (const provider of PROVIDERS) {
    const { report, journal, dir } = await simulatedSession(world, { provider, prompts: PROMPTS, steps: 20 });
    const { done, lastSavedMs } = promptTimes(journal);
    const rec = journal.machines.find((m) => m.id);
    const sim = world.sims.find((s) => s.provider === provider);
    const state = sim.state().machines.find((m) => m.id === rec.id);
    const sentMs = terminates[provider][0];
    const endMs = Date.parse(state.terminatedAt);
    const raw = rawCompute.get(rec.id);
    const billingStartMs = endMs - raw * 1000;
    const bootS = (Date.parse(rec.readyAt) - billingStartMs) / 1000;
    const renderS = (lastSavedMs - Date.parse(rec.readyAt)) / 1000;
    const beyondS = state.billedSeconds - (lastSavedMs - billingStartMs) / 1000;
    const roundingS = state.billedSeconds - raw;
    console.log(`${provider}: ${done}/${PROMPTS} prompts, ${report.machines.map((m) => m.result).join(',')}; billed ${state.billedSeconds} s (raw ${raw.toFixed(2)} s) = boot ${bootS.toFixed(2)} s + render ${renderS.toFixed(2)} s + ${beyondS.toFixed(2)} s`);
    ok = line(`${provider}: last output → terminate request`, `${((sentMs - lastSavedMs) / 1000).toFixed(3)} s`, '< 1 s', sentMs - lastSavedMs < 1000 && done === PROMPTS) && ok;
    ok = line(`${provider}: terminate request → billing stopped`, `${((endMs - sentMs) / 1000).toFixed(3)} s`, '', undefined) && ok;
    ok = line(`${provider}: billing after the last output`, `${((endMs - lastSavedMs) / 1000).toFixed(3)} s`, '≤ 5 s', endMs - lastSavedMs <= 5000) && ok;
    const rule = roundingS >= 1 ? ` (${roundingS.toFixed(1)} s rounding)` : '';
    ok = line(`${provider}: billed beyond boot + render`, `${beyondS.toFixed(2)} s${rule}`, '≤ 5 s', beyondS <= 5) && ok;
    terminates[provider].length = 0;
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return ok;
});
