// Shared by the comfy benchmarks: a simulator in a child process, a message helper, RSS sampling, formatting.
const { fork } = require('child_process');
const fs = require('fs');
const path = require('path');

function startSimProcess(options) {
  const child = fork(path.join(__dirname, 'comfy-sim.child.js'), [JSON.stringify(options)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = () => new Promise((resolve) => child.once('message', resolve));
  return next().then((ready) => ({
    ...ready,
    child,
    state: () => {
      const p = next();
      child.send('state');
      return p.then((m) => m.state);
    },
    close: () => new Promise((resolve) => {
      child.once('exit', resolve);
      child.send('close');
    }),
  }));
}

/** Samples RSS every `everyMs`; `stop()` returns the peak in bytes. */
function rssSampler(everyMs = 20) {
  let peak = process.memoryUsage().rss;
  const t = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), everyMs);
  return { stop: () => (clearInterval(t), Math.max(peak, process.memoryUsage().rss)) };
}

function sd15Prompt(seed, steps, prefix) {
  const p = JSON.parse(fs.readFileSync(path.join(__dirname, '../examples/sd15-txt2img.api.json'), 'utf8'));
  p['3'].inputs.seed = seed;
  p['3'].inputs.steps = steps;
  p['9'].inputs.filename_prefix = prefix;
  return p;
}

/** Prints one figure against its target; a MISS makes the benchmark exit 1, as the others do (bench/run.js counts it). */
function line(name, value, target, ok) {
  console.log(`${ok ? 'PASS' : 'MISS'}  ${name.padEnd(34)} ${String(value).padEnd(22)} target ${target}`);
  if (!ok) process.exitCode = 1;
  return ok;
}

const MB = 1024 * 1024;
module.exports = { startSimProcess, rssSampler, sd15Prompt, line, MB, SD15: 'v1-5-pruned-emaonly-fp16.safetensors' };
