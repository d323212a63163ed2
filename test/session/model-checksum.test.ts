/**
 * The agent checks every model download against the batch's sha256, in the simulated world too: the stand-in
 * internet serves one known file per URL, a simulated machine is told that file's digest, and a transfer that
 * arrives damaged is refused — the session fails before any prompt runs and the machine is ended.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { runSession } from '../../src/session/session';
import { standInSha256 } from '../../src/sim/cdn';
import { startWorld, World } from '../../src/sim/world';

const FAST = { readyTimeoutSeconds: 30, modelsTimeoutSeconds: 30, pollSeconds: 0.1, heartbeatMs: 300, agentPollSeconds: 0.3, confirmSeconds: 10 };
const EXAMPLES = path.join(__dirname, '..', '..', 'examples');

let world: World;
beforeAll(async () => {
  world = await startWorld({ providers: ['vast'], timings: { provisionMs: 50, bootMs: 100, comfyStartMs: 50, stopMs: 50 }, comfy: { msPerStep: 2 } });
});
afterAll(() => world.close());

function batchWith(url: string, sha256: string): { dir: string; batchFile: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-checksum-'));
  fs.copyFileSync(path.join(EXAMPLES, 'sd15-txt2img.api.json'), path.join(dir, 'wf.json'));
  const batchFile = path.join(dir, 'b.yaml');
  fs.writeFileSync(batchFile, `output: out\nmodels:\n  - url: ${url}\n    folder: checkpoints\n    name: v1-5-pruned-emaonly-fp16.safetensors\n    sha256: ${sha256}\nworkflows:\n  - path: wf.json\n    repeat: 2\n`);
  return { dir, batchFile };
}

const run = (dir: string, batchFile: string) => runSession({ batchFile, provider: 'vast', stateDir: path.join(dir, '.gpuburst'), cwd: dir, env: { ...world.env }, confirm: async () => true, timings: FAST, emit: () => undefined });
const placed = (machineId: string) => path.join(world.machineDisk(machineId), 'models', 'checkpoints', 'v1-5-pruned-emaonly-fp16.safetensors');

test('a stated digest is checked: the downloaded file is the stand-in file, byte for byte', async () => {
  const url = 'https://huggingface.co/x/good/v1-5-pruned-emaonly-fp16.safetensors';
  const { dir, batchFile } = batchWith(url, standInSha256(url));
  const report = await run(dir, batchFile);
  expect(report.status).toBe('done');
  const id = report.machines[0].id!;
  expect(fs.existsSync(placed(id))).toBe(true);
  expect(world.cdn.requests).toContain(url);
});

test('a real file\'s digest (as in examples/sd15-batch.yaml) still works against the stand-in internet', async () => {
  const url = 'https://huggingface.co/x/real/v1-5-pruned-emaonly-fp16.safetensors';
  const { dir, batchFile } = batchWith(url, 'e9476a13728cd75d8279f6ec8bad753a66a1957ca375a1464dc63b37db6e3916');
  expect((await run(dir, batchFile)).status).toBe('done');
});

test('a damaged transfer is refused by the agent: the session fails before rendering and the machine ends', async () => {
  const url = 'https://huggingface.co/x/damaged/v1-5-pruned-emaonly-fp16.safetensors';
  world.cdn.corrupt.add(url);
  const { dir, batchFile } = batchWith(url, standInSha256(url));
  const err = (await run(dir, batchFile).catch((e: unknown) => e)) as Error & { code?: string; report?: { prompts: { done: number }; machines: { id?: string; result: string }[] } };
  expect(err.code).toBe('ERR_BAD_INPUT');
  expect(err.message).toMatch(/model checkpoints\/v1-5-pruned-emaonly-fp16\.safetensors could not be placed on the machine: sha256 mismatch/);
  expect(err.report!.prompts.done).toBe(0);
  expect(err.report!.machines.map((m) => m.result)).toEqual(['terminated']);
  expect(fs.existsSync(placed(err.report!.machines[0].id!))).toBe(false);
  expect(world.sims[0].state().machines.filter((m) => m.billing)).toEqual([]);
});
