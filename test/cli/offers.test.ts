/**
 * `gpuburst offers` (and `estimate --live`) against the four cloud simulators over real HTTP: live rows come from
 * the adapters, failures are injected as the APIs show them (a refused key, a 503), never by mocking the registry.
 */
import type { CloudProviderName, Offer } from '../../providers/types';
import { loadCatalog } from '../../src/catalog/load';
import { catalogOffers } from '../../src/catalog/offers';
import type { FaultRule } from '../../src/sim/common/faults';
import { defaultInventory } from '../../src/sim/vast/inventory';
import { startWorld, World } from '../../src/sim/world';
import { runCli } from './support/cli';

const { catalog } = loadCatalog({ env: {} });
// Catalog rows as the CLI shows them (Paperspace's come from its adapter's price table).
const catalogCount = (p: string) => catalogOffers(catalog).filter((o) => o.provider === p).length;
const CLOUDS: CloudProviderName[] = ['runpod', 'vast', 'lambda', 'paperspace'];

let world: World;
beforeAll(async () => {
  world = await startWorld();
}, 60_000);
afterAll(async () => world?.close());
afterEach(async () => Promise.all(world.sims.map((s) => fetch(`${s.url}/_sim/faults`, { method: 'DELETE' }))));

/** The world's URLs and keys for the clouds named (their keys only), plus `extra`. */
function envFor(clouds: CloudProviderName[], extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(world.env)) if (!k.endsWith('_API_KEY') || clouds.some((c) => k === `${c.toUpperCase()}_API_KEY`)) env[k] = v;
  // A failing read is reported once, not retried for seconds.
  return { ...env, GPUBURST_LAMBDA_MAX_RETRIES: '0', ...extra };
}

async function fault(provider: CloudProviderName, rule: FaultRule): Promise<void> {
  const sim = world.sims.find((s) => s.provider === provider)!;
  const res = await fetch(`${sim.url}/_sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(rule) });
  expect(res.ok).toBe(true);
}
const unavailable: FaultRule = { fault: { kind: 'status', status: 503, body: 'Service Unavailable' }, times: -1 };

const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(['offers', ...args], { env, cwd: process.cwd() });
const rowsOf = (out: string, provider: string) => (JSON.parse(out).offers as Offer[]).filter((o) => o.provider === provider);

test('--offline lists the bundled catalog (clouds only) in the issue shape, cheapest first, with keys set', async () => {
  const r = await cli(['--offline', '--json'], envFor(CLOUDS));
  expect(r.code).toBe(0);
  const data = JSON.parse(r.out);
  expect(data.errors).toEqual([]);
  expect(data.offers).toHaveLength(CLOUDS.reduce((n, p) => n + catalogCount(p), 0));
  for (const o of data.offers) {
    expect(Object.keys(o)).toEqual(expect.arrayContaining(['provider', 'gpu', 'gpuCount', 'vramGb', 'usdPerHour', 'interruptible', 'region', 'available', 'offerId', 'live']));
    expect(o).toMatchObject({ live: false, region: null, available: null });
  }
  const prices = data.offers.map((o: { usdPerHour: number }) => o.usdPerHour);
  expect(prices).toEqual([...prices].sort((a, b) => a - b));
});

test('every cloud with a key answers live, in the catalog\'s GPU names where the catalog knows the GPU', async () => {
  const r = await cli(['--json'], envFor(CLOUDS));
  expect(r.code).toBe(0);
  const data = JSON.parse(r.out);
  expect(data.errors).toEqual([]);
  for (const p of CLOUDS) {
    const rows = rowsOf(r.out, p);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((o) => o.live && typeof o.region === 'string')).toBe(true);
  }
  // A GPU the catalog knows is spelled as the catalog spells it, whatever the cloud calls it ("NVIDIA GeForce RTX 4090").
  const squash = (name: string) => name.toLowerCase().replace(/nvidia|geforce|[^a-z0-9]/g, '');
  const catalogName = new Map(Object.keys(catalog.gpus).map((g) => [squash(g), g]));
  const misspelt = data.offers.filter((o: Offer) => catalogName.has(squash(o.gpu)) && catalogName.get(squash(o.gpu)) !== o.gpu);
  expect(misspelt).toEqual([]);
  expect(new Set(data.offers.filter((o: Offer) => o.gpu === 'RTX 4090').map((o: Offer) => o.provider)).size).toBeGreaterThan(1);
});

test('one failing cloud is reported and does not hide the others; clouds without a key show catalog rows', async () => {
  await fault('lambda', unavailable);
  const env = envFor(['vast', 'lambda'], { RUNPOD_API_KEY: 'rp-wrong-key-1' });
  const r = await cli(['--json'], env);
  expect(r.code).toBe(0);
  const data = JSON.parse(r.out);
  expect(data.errors.map((e: { provider: string; code: string }) => [e.provider, e.code])).toEqual([
    ['runpod', 'ERR_AUTH'],
    ['lambda', 'ERR_TRANSIENT'],
  ]);
  expect(rowsOf(r.out, 'vast').every((o) => o.live)).toBe(true);
  for (const p of ['runpod', 'lambda', 'paperspace']) {
    const rows = rowsOf(r.out, p);
    expect(rows.length).toBe(catalogCount(p));
    expect(rows.every((o) => !o.live)).toBe(true);
  }
  expect(r.out + r.err).not.toContain('rp-wrong-key-1');
});

test('a cloud whose live read fails: a warning line on stderr, its catalog rows in the table', async () => {
  await fault('lambda', unavailable);
  const r = await cli(['--provider', 'lambda'], envFor(['lambda']));
  expect(r.code).toBe(0);
  expect(r.err).toMatch(/^warning: lambda: live offers failed \(ERR_TRANSIENT\): lambda: .*503.*; its catalog rows are shown instead\n$/);
  const cheapest = catalogOffers(catalog).filter((o) => o.provider === 'lambda').sort((a, b) => a.usdPerHour - b.usdPerHour)[0];
  expect(r.out).toContain(cheapest.gpu);
  expect(r.out).toContain(`$${cheapest.usdPerHour.toFixed(2)}`);
});

describe('keys: a named cloud answers exit 3 naming the variable; with every cloud a refused key is a warning', () => {
  test('--provider runpod without RUNPOD_API_KEY: exit 3, one line, no table', async () => {
    const r = await cli(['--provider', 'runpod'], envFor([]));
    expect(r).toEqual({ code: 3, out: '', err: "gpuburst: runpod: no API key; set RUNPOD_API_KEY (or add --offline for the catalog's runpod rows)\n" });
  });

  test('--provider runpod with a refused key: exit 3, the variable named, never the key', async () => {
    const r = await cli(['--provider', 'runpod'], envFor([], { RUNPOD_API_KEY: 'rp-wrong-key-1' }));
    expect(r.code).toBe(3);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/^gpuburst: runpod: RUNPOD_API_KEY was refused \(.*\)\n$/);
    expect(r.err).not.toContain('rp-wrong-key-1');
  });

  test('--provider vast with a misspelt GPUBURST_VAST_* setting: exit 2 naming it, no table; with every cloud a warning', async () => {
    const env = envFor(['vast'], { GPUBURST_VAST_MIN_RELIABILTY: '0.9' });
    const named = await cli(['--provider', 'vast'], env);
    expect(named.code).toBe(2);
    expect(named.out).toBe('');
    expect(named.err).toMatch(/^gpuburst: vast: GPUBURST_VAST_MIN_RELIABILTY is not a setting of vast; known: .*GPUBURST_VAST_MIN_RELIABILITY/);
    const all = await cli(['--json'], env);
    expect(all.code).toBe(0);
    expect(all.err).toMatch(/^warning: vast: live offers failed \(ERR_BAD_INPUT\)/m);
  });

  test('--provider runpod --offline needs no key', async () => {
    const r = await cli(['--provider', 'runpod', '--offline', '--json'], envFor([]));
    expect(r.code).toBe(0);
    expect(rowsOf(r.out, 'runpod').length).toBe(catalogCount('runpod'));
  });

  test.each([[[]], [['--provider', 'auto']]])('%j with a refused key: one warning line, exit 0, the other clouds list', async (args) => {
    const r = await cli([...(args as string[]), '--json'], envFor(['vast'], { RUNPOD_API_KEY: 'rp-wrong-key-1' }));
    expect(r.code).toBe(0);
    // One warning line for the refused key. (RunPod's adapter may log its failed spot-price read as well.)
    const warnings = r.err.split('\n').filter((l) => l.startsWith('warning:'));
    expect(warnings).toEqual([expect.stringMatching(/^warning: runpod: RUNPOD_API_KEY was refused \(.*\); its catalog rows are shown instead$/)]);
    expect(rowsOf(r.out, 'vast').filter((o) => o.live).length).toBeGreaterThan(0);
    expect(rowsOf(r.out, 'runpod')).toHaveLength(catalogCount('runpod'));
    expect(JSON.parse(r.out).errors.map((e: { provider: string; code: string }) => [e.provider, e.code])).toEqual([['runpod', 'ERR_AUTH']]);
    expect(r.out + r.err).not.toContain('rp-wrong-key-1');
  });
});

test('filters: --gpu, --min-vram, --interruptible, --max-price', async () => {
  const only = async (args: string[]) => JSON.parse((await cli(['--offline', '--json', ...args])).out).offers as Offer[];
  const rtx4090 = await only(['--gpu', '4090']);
  expect(new Set(rtx4090.map((o) => o.gpu))).toEqual(new Set(['RTX 4090']));
  expect((await only(['--min-vram', '48'])).every((o) => o.vramGb >= 48)).toBe(true);
  const spot = await only(['--interruptible', '--max-price', '0.3']);
  expect(spot.length).toBeGreaterThan(0);
  expect(spot.every((o) => o.interruptible && o.usdPerHour <= 0.3)).toBe(true);
});

test('the same filters apply to live offers', async () => {
  const r = await cli(['--provider', 'vast', '--gpu', '4090', '--json'], envFor(['vast']));
  const rows = rowsOf(r.out, 'vast');
  expect(rows.length).toBeGreaterThan(0);
  expect(rows.every((o) => o.live && o.gpu === 'RTX 4090')).toBe(true);
});

test('an unknown GPU lists the known names; exit 2', async () => {
  const r = await cli(['--offline', '--gpu', 'rtx 9090']);
  expect(r.code).toBe(2);
  expect(r.err).toMatch(/^gpuburst: --gpu: unknown GPU "rtx 9090"; known: A10, A100 40GB, A100 80GB, .*RTX 4090.*\n$/);
});

test('nothing left after the filters: says which filter excluded what', async () => {
  const r = await cli(['--offline', '--provider', 'lambda', '--gpu', 'h100', '--max-price', '1']);
  expect(r.code).toBe(2);
  expect(r.err).toBe(
    `gpuburst: no offer matches: ${catalogCount('lambda')} offers from lambda, --gpu H100 80GB kept 2, --max-price 1 kept 0 (the cheapest left was $3.29/h, lambda H100 80GB)\n`,
  );
});

test('colab is not a cloud to rent from', async () => {
  const r = await cli(['--provider', 'colab']);
  expect(r.code).toBe(2);
  expect(r.err).toBe('gpuburst: --provider: unknown cloud "colab" (colab has no offers to rent; see gpuburst estimate); accepted: runpod, vast, lambda, paperspace, auto\n');
});

test('estimate --live prices rows from the live offer and its download speed', async () => {
  const env = envFor(['vast']);
  const live = rowsOf((await cli(['--provider', 'vast', '--gpu', '4090', '--json'], env)).out, 'vast');
  // The host behind the offer, as the simulator lists it (its inet_down is the offer's download speed).
  const hosts = defaultInventory();
  const r = await runCli(['estimate', '--live', '--providers', 'vast', '--gpu', '4090', '--json'], { env, cwd: process.cwd() });
  expect(r.code).toBe(0);
  const [row] = JSON.parse(r.out).rows.filter((x: { provider: string }) => x.provider === 'vast');
  const offer = live.find((o) => o.offerId === row.offerId)!;
  expect(offer).toBeDefined();
  expect(row).toMatchObject({ live: true, usdPerHour: offer.usdPerHour });
  const host = hosts.find((h) => String(h.id) === String(row.offerId).split(':')[0])!;
  expect(host.inet_down).toBeGreaterThan(0);
  // The SD 1.5 example's 6500 MB at the host's Mbit/s (÷ 8 for MB/s), not the catalog's assumed speed.
  expect(row.overhead.modelDownloadSeconds).toBeCloseTo(6500 / (host.inet_down / 8), 6);
});
