// Runs the ComfyUI simulator in its own process (own event loop, own memory) for the comfy benchmarks.
// argv[2]: JSON ComfySimOptions. Sends {url, token, outputDir} once listening; answers 'state' and 'close'.
const { startComfySim } = require('../dist/src/sim/comfyui');

(async () => {
  const sim = await startComfySim(JSON.parse(process.argv[2] || '{}'));
  process.send({ ready: true, url: sim.url, token: sim.opts.token, outputDir: sim.dirs.output });
  process.on('message', async (m) => {
    if (m === 'state') process.send({ state: { starts: sim.app ? sim.app.worker.starts : [], cpu: process.cpuUsage() } });
    if (m === 'close') {
      await sim.close();
      process.exit(0);
    }
  });
})();
