/**
 * The real agent (python3) with a model cache: models go onto the cache folder (standing in for the mounted
 * volume) and are linked into ComfyUI's models folder; a later machine links what the cache holds complete and
 * downloads nothing; a cached file whose size changed, or whose record lacks the stated sha256, is fetched again.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { agentEnv, AgentModel, AgentSettings } from '../../../src/session/agent/config';
import { agentLauncher } from '../../../src/sim/common/agent-launcher';
import { Cdn, standInFile, startCdn } from '../../../src/sim/cdn';

// Real processes and servers on a shared machine: jest's 5 s default is too short under load.
jest.setTimeout(30_000);

const BYTES = 512 * 1024;
const SD = 'https://example.com/models/sd15.safetensors';
const CIVITAI = 'https://civitai.com/api/download/models/4242';
const base: AgentSettings = { heartbeatMinutes: 10, idleMinutes: 10, maxLifetimeMinutes: 60, usdPerHour: 1, billedBeforeStartSeconds: 0, pollSeconds: 0.1, models: [] };

let dir: string;
let cdn: Cdn;
let machines = 0;
const stops: (() => Promise<void>)[] = [];

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-agent-cache-'));
  cdn = await startCdn({ bytes: BYTES, civitaiNames: { '4242': 'dreamshaper_8.safetensors' } });
});

afterEach(async () => {
  for (const s of stops.splice(0)) await s();
  await cdn.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** One machine (its own models folder) with the cache volume mounted at /gpuburst-cache; resolves once models settle. */
async function machine(models: AgentModel[]) {
  const id = `pod-${++machines}`;
  const own = path.join(dir, id);
  const launch = agentLauncher({ dirsFor: () => ({ input: path.join(own, 'input'), models: path.join(own, 'models') }), downloadProxy: cdn.url, logDir: dir });
  const env = { ...agentEnv({ ...base, models }, `gpuburst-x-${id}`), WEB_TOKEN: 'tok', GPUBURST_CACHE_DIR: '/gpuburst-cache/gpuburst-models' };
  const running = await launch({ provider: 'runpod', machineId: id, name: `gpuburst-x-${id}`, env, comfyUrl: 'http://127.0.0.1:9', token: 'tok', mounts: [{ path: '/gpuburst-cache', dir: path.join(dir, 'volume') }] });
  stops.push(() => running!.stop());
  const statusFile = path.join(own, 'input', 'gpuburst', 'status.json');
  const settled = () => {
    const st = fs.existsSync(statusFile) ? JSON.parse(fs.readFileSync(statusFile, 'utf8')) : undefined;
    const entries = Object.values(st?.models ?? {}) as { state: string }[];
    return entries.length === models.length && entries.every((e) => e.state !== 'downloading') ? st : undefined;
  };
  const end = Date.now() + 20_000;
  while (!settled() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  return { models: settled()!.models as Record<string, { state: string; file?: string; cached?: boolean }>, dir: path.join(own, 'models') };
}

const gets = (url: string) => cdn.seen.filter((r) => r.url === url && r.method === 'GET').length;
const cached = (rel: string) => path.join(dir, 'volume', 'gpuburst-models', rel);

test('the first machine fills the cache and links; the second links without a request, the server-named file too', async () => {
  const models: AgentModel[] = [
    { name: 'sd15.safetensors', folder: 'checkpoints', url: SD, sha256: cdn.sha256Of(SD) },
    { name: '4242', folder: 'loras', url: CIVITAI, nameFromServer: true },
  ];
  const one = await machine(models);
  expect(one.models['checkpoints/sd15.safetensors']).toMatchObject({ state: 'done', file: 'sd15.safetensors' });
  expect(one.models['loras/4242']).toMatchObject({ state: 'done', file: 'dreamshaper_8.safetensors' });
  expect(fs.readFileSync(cached('checkpoints/sd15.safetensors')).equals(standInFile(SD, BYTES))).toBe(true);
  expect(fs.readlinkSync(path.join(one.dir, 'checkpoints', 'sd15.safetensors'))).toBe(cached('checkpoints/sd15.safetensors'));
  const before = { sd: gets(SD), civitai: gets(CIVITAI) };

  const two = await machine(models);
  expect(two.models['checkpoints/sd15.safetensors']).toMatchObject({ state: 'done', cached: true });
  expect(two.models['loras/4242']).toMatchObject({ state: 'done', file: 'dreamshaper_8.safetensors', cached: true });
  expect(fs.readlinkSync(path.join(two.dir, 'loras', 'dreamshaper_8.safetensors'))).toBe(cached('loras/dreamshaper_8.safetensors'));
  expect({ sd: gets(SD), civitai: gets(CIVITAI) }).toEqual(before);
});

test('a cached file whose size changed, or a record without the stated sha256, is downloaded again', async () => {
  const plain: AgentModel = { name: 'sd15.safetensors', folder: 'checkpoints', url: SD };
  await machine([plain]);
  const first = gets(SD);
  fs.truncateSync(cached('checkpoints/sd15.safetensors'), 100);
  const again = await machine([plain]);
  expect(again.models['checkpoints/sd15.safetensors']).toMatchObject({ state: 'done' });
  expect(again.models['checkpoints/sd15.safetensors'].cached).toBeUndefined();
  expect(gets(SD)).toBeGreaterThan(first);
  expect(fs.statSync(cached('checkpoints/sd15.safetensors')).size).toBe(BYTES);

  const second = gets(SD);
  const stated = await machine([{ ...plain, sha256: cdn.sha256Of(SD) }]);
  expect(stated.models['checkpoints/sd15.safetensors']).toMatchObject({ state: 'done' });
  expect(gets(SD)).toBeGreaterThan(second);
  // Now recorded with its digest: the next machine stating it links without a request.
  const third = gets(SD);
  expect((await machine([{ ...plain, sha256: cdn.sha256Of(SD) }])).models['checkpoints/sd15.safetensors']).toMatchObject({ cached: true });
  expect(gets(SD)).toBe(third);
});
