/**
 * Issue 11's gated-model part, end to end on each simulated cloud: a batch with a gated Hugging Face model renders
 * when it lets HF_TOKEN go to the machine (`modelTokens: true`); the token reaches huggingface.co and never the
 * signed CDN it redirects to. Without consent the session ends with an auth error naming the model and the token,
 * before any prompt, and the machine is ended.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { CLOUD_PROVIDERS } from '../../providers/types';
import { runSession } from '../../src/session/session';
import { SIGNED_CDN_HOST } from '../../src/sim/cdn-hosts';
import { simKey } from '../../src/sim/common/test-keys';
import { startWorld, World } from '../../src/sim/world';

const FAST = { readyTimeoutSeconds: 60, modelsTimeoutSeconds: 60, pollSeconds: 0.1, heartbeatMs: 300, agentPollSeconds: 0.3, confirmSeconds: 10 };
const EXAMPLES = path.join(__dirname, '..', '..', 'examples');
const GATED = 'https://huggingface.co/gated-org/sd15/resolve/main/v1-5-pruned-emaonly-fp16.safetensors';
const HF_TOKEN = simKey('hf_', 12);

// One simulated session per cloud: seconds each alone, tens of seconds on a loaded 2-core machine.
jest.setTimeout(90_000);

let world: World;
beforeAll(async () => {
  world = await startWorld({ timings: { provisionMs: 50, bootMs: 100, comfyStartMs: 50, stopMs: 50 }, comfy: { msPerStep: 2 }, cdn: { gated: [GATED], tokens: { 'huggingface.co': HF_TOKEN } } });
});
afterAll(() => world.close());

function batch(extra: string): { dir: string; batchFile: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-gated-'));
  fs.copyFileSync(path.join(EXAMPLES, 'sd15-txt2img.api.json'), path.join(dir, 'wf.json'));
  const batchFile = path.join(dir, 'b.yaml');
  fs.writeFileSync(batchFile, `output: out\n${extra}models:\n  - url: ${GATED}\n    folder: checkpoints\nworkflows:\n  - path: wf.json\n    repeat: 2\n`);
  return { dir, batchFile };
}

const run = (provider: (typeof CLOUD_PROVIDERS)[number], b: { dir: string; batchFile: string }) =>
  runSession({ batchFile: b.batchFile, provider, stateDir: path.join(b.dir, '.gpuburst'), cwd: b.dir, env: { ...world.env, HF_TOKEN }, confirm: async () => true, timings: FAST, emit: () => undefined });

test.each(CLOUD_PROVIDERS.map((p) => [p]))('%s: a gated model with modelTokens: true is placed and the batch renders', async (provider) => {
  const before = world.cdn.seen.length;
  const report = await run(provider, batch('modelTokens: true\n'));
  expect(report.status).toBe('done');
  expect(report.prompts.done).toBe(2);
  expect(fs.existsSync(path.join(world.machineDisk(report.machines[0].id!), 'models', 'checkpoints', 'v1-5-pruned-emaonly-fp16.safetensors'))).toBe(true);
  const seen = world.cdn.seen.slice(before);
  const hosts = (host: string) => seen.filter((r) => new URL(r.url).hostname === host);
  expect(hosts('huggingface.co').length).toBeGreaterThan(0);
  expect(hosts('huggingface.co').every((r) => r.authorization === `Bearer ${HF_TOKEN}`)).toBe(true);
  expect(hosts(SIGNED_CDN_HOST).length).toBeGreaterThan(0);
  expect(hosts(SIGNED_CDN_HOST).every((r) => r.authorization === undefined)).toBe(true);
});

test('without modelTokens the token stays home: an auth error names the model and HF_TOKEN, nothing renders, the machine ends', async () => {
  const before = world.cdn.seen.length;
  const err = (await run('runpod', batch('')).catch((e: unknown) => e)) as Error & { code?: string; report?: { prompts: { done: number }; machines: { result: string }[] } };
  expect(err.code).toBe('ERR_AUTH');
  expect(err.message).toMatch(/checkpoints\/v1-5-pruned-emaonly-fp16\.safetensors.*HF_TOKEN.*modelTokens: true/);
  expect(err.report!.prompts.done).toBe(0);
  expect(err.report!.machines.map((m) => m.result)).toEqual(['terminated']);
  expect(world.cdn.seen.slice(before).every((r) => r.authorization === undefined)).toBe(true);
});
