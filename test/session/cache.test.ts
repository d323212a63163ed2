/**
 * A model cache across sessions, in the simulated world: the first session creates the cache (RunPod network volume,
 * Lambda filesystem) in the region it names and downloads the model onto it; the second names only the cache and
 * downloads nothing (the stand-in internet sees no request for the model) yet renders. Teardown and sweep leave the
 * cache (still billing storage on the simulator's meter); the plan states its storage cost beside the session's.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { sweep } from '../../src/session/manage';
import { runSession } from '../../src/session/session';
import { standInSha256 } from '../../src/sim/cdn';
import { startWorld, World } from '../../src/sim/world';
import { deleteNamedCache, listAllCaches } from '../../src/session/cache-admin';

const FAST = { readyTimeoutSeconds: 30, modelsTimeoutSeconds: 30, pollSeconds: 0.1, heartbeatMs: 300, agentPollSeconds: 0.3, confirmSeconds: 10 };
const EXAMPLES = path.join(__dirname, '..', '..', 'examples');
const REGIONS = { runpod: 'US-KS-2', lambda: 'us-east-1' } as const;

let world: World;
beforeAll(async () => {
  world = await startWorld({ providers: ['runpod', 'lambda'], timings: { provisionMs: 50, bootMs: 100, comfyStartMs: 50, stopMs: 50 }, comfy: { msPerStep: 2 } });
});
afterAll(() => world.close());
jest.setTimeout(60_000);

function batch(url: string, cacheLines: string): { dir: string; batchFile: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-cache-'));
  fs.copyFileSync(path.join(EXAMPLES, 'sd15-txt2img.api.json'), path.join(dir, 'wf.json'));
  const batchFile = path.join(dir, 'b.yaml');
  fs.writeFileSync(batchFile, `output: out\n${cacheLines}models:\n  - url: ${url}\n    folder: checkpoints\n    name: v1-5-pruned-emaonly-fp16.safetensors\n    sha256: ${standInSha256(url)}\nworkflows:\n  - path: wf.json\n    repeat: 2\n`);
  return { dir, batchFile };
}

describe.each(['runpod', 'lambda'] as const)('model cache on %s', (provider) => {
  const sim = () => world.sims.find((s) => s.provider === provider)!;
  const run = (dir: string, batchFile: string, extra: Record<string, unknown>, notes: string[] = []) =>
    runSession({ batchFile, provider, stateDir: path.join(dir, '.gpuburst'), cwd: dir, env: { ...world.env }, confirm: async (_p, n) => (notes.push(...n), true), timings: FAST, emit: () => undefined, ...extra });

  test('the second session with the same cache downloads nothing and renders; teardown and sweep keep the cache', async () => {
    const name = `models-${provider}`;
    const url = `https://huggingface.co/x/${provider}/v1-5-pruned-emaonly-fp16.safetensors`;
    const first = batch(url, `cache: ${name}\ncacheRegion: ${REGIONS[provider]}\n`);
    const notes: string[] = [];
    const one = await run(first.dir, first.batchFile, { cache: name, cacheRegion: REGIONS[provider] }, notes);
    expect(one.status).toBe('done');
    expect(notes.join('\n')).toMatch(new RegExp(`cache ${name} \\(new: created at ${provider} in ${REGIONS[provider]}.*offers limited to ${REGIONS[provider]}`));
    expect(notes.join('\n')).toMatch(/storage ≈ \$[\d.]+ during this session, \$[\d.]+\/month until you delete it/);
    // GETs are the agent's transfers; the plan's HEAD (the model's size) is not a download.
    const gets = () => world.cdn.seen.filter((r) => r.url === url && r.method === 'GET').length;
    const downloads = gets();
    expect(downloads).toBeGreaterThan(0);
    const journal = JSON.parse(fs.readFileSync(path.join(first.dir, '.gpuburst', 'sessions', `${one.sessionId}.json`), 'utf8'));
    expect(journal.cache).toMatchObject({ provider, name, region: REGIONS[provider], state: 'created' });

    const second = batch(url, '');
    const two = await run(second.dir, second.batchFile, { cache: name });
    expect(two.status).toBe('done');
    expect(two.prompts.done).toBe(2);
    expect(gets()).toBe(downloads);
    // The second machine's model folder holds a link into the cache's folder, not a copy.
    const linked = path.join(world.machineDisk(two.machines[0].id!), 'models', 'checkpoints', 'v1-5-pruned-emaonly-fp16.safetensors');
    expect(fs.lstatSync(linked).isSymbolicLink()).toBe(true);

    expect(sim().state().machines.filter((m) => m.billing)).toEqual([]);
    await sweep({ cwd: second.dir, env: { ...world.env }, apply: true });
    const volumes = sim().state().volumes!.filter((v) => v.name === name);
    expect(volumes).toEqual([expect.objectContaining({ deleted: false })]);
    expect(volumes[0].bytesUsed).toBeGreaterThan(0);
    expect(volumes[0].costUsd).toBeGreaterThan(0);
    const listed = await listAllCaches({ env: { ...world.env }, provider });
    expect(listed.caches.find((c) => c.name === name)!.usdPerMonth).toBeGreaterThanOrEqual(0);

    await deleteNamedCache({ cwd: second.dir, env: { ...world.env }, provider, name });
    expect(sim().state().volumes!.find((v) => v.name === name)!.deleted).toBe(true);
  }, 60_000);

  test('a new cache without a region is refused before anything is rented or created', async () => {
    const b = batch(`https://huggingface.co/x/${provider}-2/v1-5-pruned-emaonly-fp16.safetensors`, '');
    const before = { machines: sim().state().machines.length, volumes: sim().state().volumes!.length };
    await expect(run(b.dir, b.batchFile, { cache: 'never-made' })).rejects.toMatchObject({ code: 'ERR_BAD_INPUT', message: expect.stringContaining('--cache-region') });
    expect({ machines: sim().state().machines.length, volumes: sim().state().volumes!.length }).toEqual(before);
  });
});

test('Vast and Paperspace refuse a cache with the reason; nothing is rented', async () => {
  const w = await startWorld({ providers: ['vast', 'paperspace'], timings: { provisionMs: 50, bootMs: 100, comfyStartMs: 50, stopMs: 50 } });
  try {
    for (const provider of ['vast', 'paperspace'] as const) {
      const b = batch(`https://huggingface.co/x/${provider}/v1-5-pruned-emaonly-fp16.safetensors`, '');
      const err = (await runSession({ batchFile: b.batchFile, provider, cache: 'models', cacheRegion: 'x1', stateDir: path.join(b.dir, '.gpuburst'), cwd: b.dir, env: { ...w.env }, confirm: async () => true, timings: FAST, emit: () => undefined }).catch((e: unknown) => e)) as Error & { code?: string };
      expect(err.code).toBe('ERR_UNSUPPORTED');
      expect(err.message).toMatch(new RegExp(`^${provider}: no model cache: `));
    }
    for (const s of w.sims) expect(s.state().machines).toEqual([]);
  } finally {
    await w.close();
  }
});
