/**
 * The `local` target: ComfyUI servers the user already runs (two GPUs on two ports, as in the seed). Same queueing,
 * pulling and report; nothing is rented and nothing is torn down (the servers are the user's).
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { runSession } from '../../src/session/session';
import { startComfySim, ComfySim } from '../../src/sim/comfyui';

const EXAMPLES = path.join(__dirname, '..', '..', 'examples');
let servers: ComfySim[];

beforeAll(async () => {
  const models = { checkpoints: ['v1-5-pruned-emaonly-fp16.safetensors'] };
  servers = [await startComfySim({ msPerStep: 2, models }), await startComfySim({ msPerStep: 2, models })];
});
afterAll(async () => {
  for (const s of servers) await s.close();
});

test('two local ComfyUI servers share one batch without --pods; both are released, none stopped', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-local-'));
  fs.copyFileSync(path.join(EXAMPLES, 'sd15-txt2img.api.json'), path.join(dir, 'wf.json'));
  fs.writeFileSync(path.join(dir, 'batch.yaml'), 'output: out\nworkflows:\n  - path: wf.json\n    name: lake\n    repeat: 6\n');
  const report = await runSession({
    batchFile: path.join(dir, 'batch.yaml'),
    provider: 'local',
    teardown: 'terminate',
    idleMinutes: 10,
    heartbeatMinutes: 10,
    remoteKey: false,
    comfyUrls: servers.map((s) => s.url),
    stateDir: path.join(dir, '.gpuburst'),
    cwd: dir,
    env: {},
    confirm: async () => true,
    timings: { pollSeconds: 0.1, readyTimeoutSeconds: 10, confirmSeconds: 5 },
    emit: () => undefined,
  });
  expect(report.status).toBe('done');
  expect(report.prompts.done).toBe(6);
  expect(report.costUsd).toBe(0);
  expect(report.machines.map((m) => m.result)).toEqual(['released', 'released']);
  // Both servers rendered some of it.
  for (const s of servers) expect(fs.readdirSync(s.dirs.output, { recursive: true }).some((f) => String(f).endsWith('.png'))).toBe(true);
}, 30_000);
