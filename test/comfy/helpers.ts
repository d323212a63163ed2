/** Shared helpers for the ComfyUI client tests: prompts from the examples, a simulator per test file, polling. */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { ComfyClient, ComfyClientOptions } from '../../src/comfy/client';
import type { ApiPrompt } from '../../src/comfy/types';
import { ComfySim, ComfySimOptions, startComfySim } from '../../src/sim/comfyui';

export const EXAMPLES = path.join(__dirname, '../../examples');
export const FIXTURES = path.join(__dirname, '../fixtures/comfy');

export function sd15Prompt(seed = 1, prefix = 'test/ComfyUI'): ApiPrompt {
  const p = JSON.parse(fs.readFileSync(path.join(EXAMPLES, 'sd15-txt2img.api.json'), 'utf8')) as ApiPrompt;
  p['3'].inputs.seed = seed;
  p['3'].inputs.steps = 4;
  p['9'].inputs.filename_prefix = prefix;
  return p;
}

export const SD15 = 'v1-5-pruned-emaonly-fp16.safetensors';

export async function simWithModel(opts: ComfySimOptions = {}): Promise<ComfySim> {
  return startComfySim({ msPerStep: 2, models: { checkpoints: [SD15] }, ...opts });
}

export function clientFor(sim: ComfySim, opts: Partial<ComfyClientOptions> = {}): ComfyClient {
  return new ComfyClient({ baseUrl: sim.url, token: sim.opts.token, timeoutMs: 5000, ...opts });
}

const made: string[] = [];
/** A fresh folder under the OS temp dir, removed after the test file. */
export function tempDir(prefix = 'gpuburst-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

export async function until<T>(fn: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v as T;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
