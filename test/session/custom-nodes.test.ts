/**
 * Issue 11's done-check on each simulated cloud: a batch with a custom node pack from git (pinned to a tag) and a
 * gated Hugging Face model with its token renders; the pack is on the machine at the tag's content. A pack that
 * cannot be installed ends the session before any prompt, naming the pack, and the machine is ended.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { CLOUD_PROVIDERS } from '../../providers/types';
import { runSession } from '../../src/session/session';
import { simKey } from '../../src/sim/common/test-keys';
import { startWorld, World } from '../../src/sim/world';
import { bareNodeRepo } from './support/git-pack';

const FAST = { readyTimeoutSeconds: 60, modelsTimeoutSeconds: 60, pollSeconds: 0.1, heartbeatMs: 300, agentPollSeconds: 0.3, confirmSeconds: 10 };
const EXAMPLES = path.join(__dirname, '..', '..', 'examples');
const GATED = 'https://huggingface.co/gated-org/sd15/resolve/main/v1-5-pruned-emaonly-fp16.safetensors';
const HF_TOKEN = simKey('hf_', 12);

// One simulated session per cloud: seconds each alone, tens of seconds on a loaded 2-core machine.
jest.setTimeout(90_000);

let world: World;
let repos: string;
let bare: string;
beforeAll(async () => {
  repos = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-repos-'));
  bare = bareNodeRepo(repos);
  world = await startWorld({ timings: { provisionMs: 50, bootMs: 100, comfyStartMs: 50, stopMs: 50 }, comfy: { msPerStep: 2 }, cdn: { gated: [GATED], tokens: { 'huggingface.co': HF_TOKEN } } });
});
afterAll(async () => {
  await world.close();
  fs.rmSync(repos, { recursive: true, force: true });
});

function batch(nodes: string): { dir: string; batchFile: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-nodes-session-'));
  // The pack's own class sits between decode and save: the batch renders only if the machine installed the pack.
  const prompt = JSON.parse(fs.readFileSync(path.join(EXAMPLES, 'sd15-txt2img.api.json'), 'utf8'));
  prompt['100'] = { class_type: 'GoodNode', inputs: { image: ['8', 0] } };
  prompt['9'].inputs.images = ['100', 0];
  fs.writeFileSync(path.join(dir, 'wf.json'), JSON.stringify(prompt));
  const batchFile = path.join(dir, 'b.yaml');
  fs.writeFileSync(batchFile, `output: out\nmodelTokens: true\nnodes:\n  - ${nodes}\nmodels:\n  - url: ${GATED}\n    folder: checkpoints\nworkflows:\n  - path: wf.json\n    repeat: 2\n`);
  return { dir, batchFile };
}

const run = (provider: (typeof CLOUD_PROVIDERS)[number], b: { dir: string; batchFile: string }) =>
  runSession({ batchFile: b.batchFile, provider, stateDir: path.join(b.dir, '.gpuburst'), cwd: b.dir, env: { ...world.env, HF_TOKEN }, confirm: async () => true, timings: FAST, emit: () => undefined });

test.each(CLOUD_PROVIDERS.map((p) => [p]))('%s: a git node pack at a tag and a gated model with its token, then the batch renders', async (provider) => {
  const report = await run(provider, batch(`file://${bare}@v1.0`));
  expect(report.status).toBe('done');
  expect(report.prompts.done).toBe(2);
  const disk = world.machineDisk(report.machines[0].id!);
  expect(fs.readFileSync(path.join(disk, 'custom_nodes', 'ComfyUI-Good', '__init__.py'), 'utf8')).toContain('GoodNode');
  expect(fs.existsSync(path.join(disk, 'models', 'checkpoints', 'v1-5-pruned-emaonly-fp16.safetensors'))).toBe(true);
});

test('a pack that cannot be installed ends the session before any prompt, naming the pack; the machine ends', async () => {
  const err = (await run('vast', batch(`file://${bare}@v9.9`)).catch((e: unknown) => e)) as Error & { code?: string; report?: { prompts: { done: number }; machines: { result: string }[] } };
  expect(err.code).toBe('ERR_BAD_INPUT');
  expect(err.message).toMatch(/custom node pack ComfyUI-Good: git checkout v9\.9 failed/);
  expect(err.report!.prompts.done).toBe(0);
  expect(err.report!.machines.map((m) => m.result)).toEqual(['terminated']);
});
