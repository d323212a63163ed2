/**
 * The simulated GPU does not catch up: time lost between two prompts (here the history write's lag) is idle GPU
 * time, never taken back from the next prompt's rendering. A clock that caught up would let a late prompt finish
 * its sampler steps at once, hiding client-side delays from the busy-fraction benchmarks.
 */
import type { ComfySim } from '../../../src/sim/comfyui';
import { sd15Prompt, simWithModel } from '../../comfy/helpers';
import { api } from './helpers';

const MS_PER_STEP = 10;
const STEPS = 4; // sd15Prompt's sampler steps

let sim: ComfySim;
beforeAll(async () => {
  // A history lag longer than a prompt's whole render: a catching-up clock would have every step in the past.
  sim = await simWithModel({ msPerStep: MS_PER_STEP, historyLagMs: 3 * STEPS * MS_PER_STEP });
});
afterAll(() => sim.close());

test('every queued prompt renders its full sampler time, however late it starts', async () => {
  const ids: string[] = [];
  for (let seed = 1; seed <= 3; seed++) ids.push((await api(sim, 'POST', '/prompt', { prompt: sd15Prompt(seed, 'gpu/ComfyUI') })).json.prompt_id);
  for (let tries = 0; Object.keys((await api(sim, 'GET', '/history')).json).length < ids.length; tries++) {
    expect(tries).toBeLessThan(500);
    await new Promise((r) => setTimeout(r, 20));
  }
  const history = (await api(sim, 'GET', '/history')).json;
  const renderMs = ids.map((id) => {
    const messages = history[id].status.messages as [string, { timestamp: number }][];
    const at = (type: string) => messages.find((m) => m[0] === type)![1].timestamp;
    return at('execution_success') - at('execution_start');
  });
  // The 2nd and 3rd prompts were queued while the 1st ran; each still takes its steps on the GPU (1 ms of slack for
  // timer rounding per step).
  for (const ms of renderMs) expect(ms).toBeGreaterThanOrEqual(STEPS * (MS_PER_STEP - 1));
});

test('a simulator closed mid-render leaves no GPU timer behind (it would hold the test worker open)', async () => {
  const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  const before = timers();
  const slow = await simWithModel({ msPerStep: 1_000_000 });
  await api(slow, 'POST', '/prompt', { prompt: sd15Prompt(7, 'gpu/slow') });
  for (let tries = 0; (await api(slow, 'GET', '/queue')).json.queue_running.length === 0; tries++) {
    expect(tries).toBeLessThan(500);
    await new Promise((r) => setTimeout(r, 20));
  }
  await slow.close();
  await new Promise((r) => setImmediate(r));
  expect(timers()).toBeLessThanOrEqual(before);
});
