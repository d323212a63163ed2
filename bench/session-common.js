// Shared by the session benchmarks: a whole simulated session (the four cloud simulators, a ComfyUI simulator per
// machine, the machine agent as a real python3 process) run through dist's runSession, with the timestamps a
// benchmark needs — when the terminate request reached the provider API, and the raw seconds each simulator billed.
const fs = require('fs');
const os = require('os');
const path = require('path');
const dist = path.join(__dirname, '..', 'dist');
const { runSession } = require(path.join(dist, 'src/session/session'));
const { Journal } = require(path.join(dist, 'src/session/journal'));
const { SIMULATED_TIMINGS } = require(path.join(dist, 'src/session/cli-session'));
const { startWorld } = require(path.join(dist, 'src/sim/world'));
const { BillingMeter } = require(path.join(dist, 'src/sim/common/billing'));

/** The request that ends a machine, per provider API (as each adapter sends it). */
const TERMINATE = {
  runpod: { method: 'DELETE', path: /^\/v2\/pods\/[^/]+$/ },
  vast: { method: 'DELETE', path: /^\/api\/v0\/instances\/\d+\/$/ },
  lambda: { method: 'POST', path: /^\/api\/v1\/instance-operations\/terminate$/ },
  paperspace: { method: 'DELETE', path: /^\/v1\/machines\/[^/]+$/ },
};

/** Raw compute seconds per machine id, as the simulators' meters last read them (SimState shows them rounded). */
const rawCompute = new Map();
const read = BillingMeter.prototype.read;
BillingMeter.prototype.read = function (id) {
  const r = read.call(this, id);
  rawCompute.set(id, r.computeSeconds);
  return r;
};

/** Arrival time (ms) of every terminate request at this simulator. */
function watchTerminates(sim) {
  const seen = [];
  const rule = TERMINATE[sim.provider];
  // SimServer keeps its node server private to TypeScript only.
  sim.server.server.prependListener('request', (req) => {
    if (req.method === rule.method && rule.path.test(new URL(req.url, 'http://x').pathname)) seen.push(Date.now());
  });
  return seen;
}

/** A folder with the example SD 1.5 workflow and a batch of `prompts` prompts of `steps` sampler steps each. */
function sessionFolder(prompts, steps) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-bench-session-'));
  fs.copyFileSync(path.join(__dirname, '..', 'examples', 'sd15-txt2img.api.json'), path.join(dir, 'wf.json'));
  const batch = [
    'output: out',
    'models:',
    '  - url: https://huggingface.co/Comfy-Org/stable-diffusion-v1-5-archive/resolve/main/v1-5-pruned-emaonly-fp16.safetensors',
    '    folder: checkpoints',
    'workflows:',
    '  - path: wf.json',
    '    name: bench',
    `    repeat: ${prompts}`,
    '    seeds: increment',
    '    substitutions:',
    '      - node: "3"',
    '        input: steps',
    `        values: [${steps}]`,
  ];
  fs.writeFileSync(path.join(dir, 'batch.yaml'), batch.join('\n') + '\n');
  return dir;
}

/**
 * One session on `provider` with `pods` machines, as `gpuburst run --simulate --yes` runs it (same timings).
 * Returns the report, the journal, the session events with their times, and the folder (caller removes it).
 */
async function simulatedSession(world, { provider, pods = 1, prompts, steps, signal }) {
  const dir = sessionFolder(prompts, steps);
  const events = [];
  const report = await runSession({
    batchFile: path.join(dir, 'batch.yaml'),
    provider,
    pods,
    teardown: 'terminate',
    idleMinutes: 10,
    heartbeatMinutes: 10,
    remoteKey: true,
    simulated: true,
    comfyUrls: [],
    stateDir: path.join(dir, '.gpuburst'),
    cwd: dir,
    env: { PATH: process.env.PATH, ...world.env },
    confirm: async () => true,
    timings: SIMULATED_TIMINGS,
    signal,
    emit: (e) => events.push({ at: Date.now(), ...e }),
  });
  const journal = Journal.load(path.join(dir, '.gpuburst'), report.sessionId).data;
  return { report, journal, events, dir };
}

/** Times (ms) from the journal: first prompt started, last output saved. */
function promptTimes(journal) {
  const done = journal.prompts.filter((p) => p.state === 'done');
  return {
    done: done.length,
    firstStartMs: Math.min(...done.map((p) => Date.parse(p.startedAt))),
    lastSavedMs: Math.max(...done.map((p) => Date.parse(p.endedAt))),
  };
}

function line(name, value, target, ok) {
  console.log(`${ok === undefined ? 'info' : ok ? 'PASS' : 'MISS'}  ${name.padEnd(44)} ${String(value).padEnd(26)} ${target ? `target ${target}` : ''}`);
  return ok !== false;
}

/**
 * Runs one benchmark in a simulated world: `body(world)` returns true when every target was met. The world and its
 * folder are removed afterwards; the exit code says whether targets were missed (1) or the run failed (1).
 */
function benchInWorld(worldOptions, body) {
  (async () => {
    const world = await startWorld(worldOptions);
    let ok = false;
    try {
      ok = await body(world);
    } finally {
      await world.close();
      fs.rmSync(world.workDir, { recursive: true, force: true });
    }
    process.exitCode = ok ? 0 : 1;
  })().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}

module.exports = { benchInWorld, startWorld, simulatedSession, promptTimes, watchTerminates, rawCompute, line, TERMINATE, SIMULATED_TIMINGS };
