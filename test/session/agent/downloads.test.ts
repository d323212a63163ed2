/**
 * The real agent (python3) placing models from the simulated CDN: tokens only to their own hosts (never after a
 * redirect to Hugging Face's signed CDN), login pages and 401s as auth failures naming the token, Civitai file names
 * from Content-Disposition, .part resume with Range, and a large file in several parallel ranges.
 */
import crypto from 'crypto';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { agentEnv, AgentModel, AgentSettings } from '../../../src/session/agent/config';
import { agentLauncher } from '../../../src/sim/common/agent-launcher';
import { Cdn, standInFile, startCdn } from '../../../src/sim/cdn';
import { SIGNED_CDN_HOST } from '../../../src/sim/cdn-hosts';
import { simKey } from '../../../src/sim/common/test-keys';

const HF_TOKEN = simKey('hf_', 12);
const CIVITAI_TOKEN = simKey('cv', 12);
const FLUX = 'https://huggingface.co/black-forest-labs/FLUX.1-dev/resolve/main/flux1-dev.safetensors';
const CIVITAI = 'https://civitai.com/api/download/models/128713';
const base: AgentSettings = { heartbeatMinutes: 10, idleMinutes: 10, maxLifetimeMinutes: 60, usdPerHour: 1, billedBeforeStartSeconds: 0, pollSeconds: 0.1, models: [] };

describe('agent model downloads (python3 against the simulated CDN)', () => {
  let dir: string;
  let cdn: Cdn;
  const stops: (() => Promise<void>)[] = [];

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-downloads-'));
    cdn = await startCdn({ bytes: 3 * 1024 * 1024, gated: [FLUX, CIVITAI], tokens: { 'huggingface.co': HF_TOKEN, 'civitai.com': CIVITAI_TOKEN }, civitaiNames: { '128713': 'dreamshaper_8.safetensors' } });
  });

  afterEach(async () => {
    for (const s of stops.splice(0)) await s();
    await cdn.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function place(models: AgentModel[], settings: Partial<AgentSettings> = {}) {
    const launch = agentLauncher({ dirsFor: () => ({ input: path.join(dir, 'input'), models: path.join(dir, 'models') }), downloadProxy: cdn.url, logDir: dir });
    const env = { ...agentEnv({ ...base, ...settings, models }, 'gpuburst-x-mine'), WEB_TOKEN: 'tok' };
    const running = await launch({ provider: 'runpod', machineId: 'pod-1', name: 'gpuburst-x-mine', env, comfyUrl: 'http://127.0.0.1:9', token: 'tok' });
    stops.push(() => running!.stop());
    const statusFile = path.join(dir, 'input', 'gpuburst', 'status.json');
    const end = Date.now() + 20_000;
    const settled = () => {
      const st = fs.existsSync(statusFile) ? JSON.parse(fs.readFileSync(statusFile, 'utf8')) : undefined;
      const entries = Object.values(st?.models ?? {}) as { state: string }[];
      return entries.length === models.length && entries.every((e) => e.state !== 'downloading') ? st : undefined;
    };
    while (!settled() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    return settled()!.models as Record<string, { state: string; code?: string; error?: string; file?: string }>;
  }
  const file = (rel: string) => fs.readFileSync(path.join(dir, 'models', rel));

  test('a gated Hugging Face file: the token goes to huggingface.co only, not to the signed CDN it redirects to', async () => {
    const models = await place([{ name: 'flux1-dev.safetensors', folder: 'diffusion_models', url: FLUX, sha256: cdn.sha256Of(FLUX) }], { tokens: { HF_TOKEN } });
    expect(models['diffusion_models/flux1-dev.safetensors']).toMatchObject({ state: 'done' });
    expect(file('diffusion_models/flux1-dev.safetensors').equals(standInFile(FLUX, 3 * 1024 * 1024))).toBe(true);
    const hf = cdn.seen.filter((r) => new URL(r.url).hostname === 'huggingface.co');
    const signed = cdn.seen.filter((r) => new URL(r.url).hostname === SIGNED_CDN_HOST);
    expect(hf.length).toBeGreaterThan(0);
    expect(hf.every((r) => r.authorization === `Bearer ${HF_TOKEN}`)).toBe(true);
    expect(signed.length).toBeGreaterThan(0);
    expect(signed.every((r) => r.authorization === undefined)).toBe(true);
  });

  test('without the token: an auth failure naming the model and HF_TOKEN, and no file', async () => {
    const models = await place([{ name: 'flux1-dev.safetensors', folder: 'diffusion_models', url: FLUX }]);
    expect(models['diffusion_models/flux1-dev.safetensors']).toMatchObject({ state: 'failed', code: 'auth' });
    expect(models['diffusion_models/flux1-dev.safetensors'].error).toMatch(/diffusion_models\/flux1-dev\.safetensors.*HF_TOKEN.*modelTokens: true/);
    expect(fs.existsSync(path.join(dir, 'models', 'diffusion_models', 'flux1-dev.safetensors'))).toBe(false);
  });

  test('Civitai: a login page is an auth failure naming CIVITAI_TOKEN, never a saved model', async () => {
    const models = await place([{ name: '128713', folder: 'checkpoints', url: CIVITAI, nameFromServer: true }]);
    expect(models['checkpoints/128713']).toMatchObject({ state: 'failed', code: 'auth' });
    expect(models['checkpoints/128713'].error).toMatch(/CIVITAI_TOKEN/);
    expect(fs.readdirSync(path.join(dir, 'models', 'checkpoints')).filter((f) => !f.endsWith('.part'))).toEqual([]);
  });

  test('Civitai with its token: saved under the Content-Disposition name with its extension', async () => {
    const models = await place([{ name: '128713', folder: 'checkpoints', url: CIVITAI, nameFromServer: true }], { tokens: { CIVITAI_TOKEN } });
    expect(models['checkpoints/128713']).toMatchObject({ state: 'done', file: 'dreamshaper_8.safetensors' });
    expect(fs.readdirSync(path.join(dir, 'models', 'checkpoints'))).toEqual(['dreamshaper_8.safetensors']);
    expect(cdn.seen.filter((r) => r.url === CIVITAI).every((r) => r.authorization === `Bearer ${CIVITAI_TOKEN}`)).toBe(true);
  });

  test('a token is never sent to a host it does not belong to', async () => {
    const url = 'https://example.org/models/sd15.safetensors';
    const models = await place([{ name: 'sd15.safetensors', folder: 'checkpoints', url }], { tokens: { HF_TOKEN, CIVITAI_TOKEN } });
    expect(models['checkpoints/sd15.safetensors']).toMatchObject({ state: 'done' });
    expect(cdn.seen.every((r) => r.authorization === undefined)).toBe(true);
  });

  test('a .part file is resumed with Range from where it stopped', async () => {
    const url = 'https://example.org/models/big.safetensors';
    const full = standInFile(url, 3 * 1024 * 1024);
    fs.mkdirSync(path.join(dir, 'models', 'checkpoints'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'models', 'checkpoints', 'big.safetensors.part'), full.subarray(0, 2 * 1024 * 1024));
    const models = await place([{ name: 'big.safetensors', folder: 'checkpoints', url, sha256: crypto.createHash('sha256').update(full).digest('hex') }], { connections: 1 });
    expect(models['checkpoints/big.safetensors']).toMatchObject({ state: 'done' });
    expect(file('checkpoints/big.safetensors').equals(full)).toBe(true);
    const ranges = cdn.seen.filter((r) => r.range && r.range !== 'bytes=0-0').map((r) => r.range);
    expect(ranges).toEqual([`bytes=${2 * 1024 * 1024}-${3 * 1024 * 1024 - 1}`]);
  });

  test('a large file comes in several ranges at once and is checked whole', async () => {
    const url = 'https://example.org/models/large.safetensors';
    const models = await place([{ name: 'large.safetensors', folder: 'checkpoints', url, sha256: cdn.sha256Of(url) }], { connections: 4, segmentBytes: 512 * 1024 });
    expect(models['checkpoints/large.safetensors']).toMatchObject({ state: 'done' });
    expect(file('checkpoints/large.safetensors').equals(standInFile(url, 3 * 1024 * 1024))).toBe(true);
    const starts = new Set(cdn.seen.filter((r) => r.range && r.range !== 'bytes=0-0').map((r) => r.range!.split('-')[0]));
    expect(starts.size).toBe(4);
    expect(fs.existsSync(path.join(dir, 'models', 'checkpoints', 'large.safetensors.part.json'))).toBe(false);
  });
});
