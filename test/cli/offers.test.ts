import { AuthError, TransientError } from '../../providers/errors';
import type { CloudProviderName, Offer, Provider } from '../../providers/types';
import { main } from '../../src/cli/index';
import type { CliContext } from '../../src/cli/context';
import { loadCatalog } from '../../src/catalog/load';
import { catalogOffers } from '../../src/catalog/offers';
import { runCli } from './support/cli';

// The adapters are written elsewhere; the live path is tested with fake providers behind the registry.
jest.mock('../../providers/index', () => ({ ...jest.requireActual('../../providers/index'), providerFromEnv: jest.fn() }));
import { providerFromEnv } from '../../providers/index';

const fakeFactory = providerFromEnv as jest.MockedFunction<typeof providerFromEnv>;
const { catalog } = loadCatalog({ env: {} });
// Catalog rows as the CLI shows them (Paperspace's come from its adapter's price table).
const catalogCount = (p: string) => catalogOffers(catalog).filter((o) => o.provider === p).length;

function offer(provider: CloudProviderName, gpu: string, usdPerHour: number, extra: Partial<Offer> = {}): Offer {
  return { provider, offerId: `${provider}:${gpu}:${usdPerHour}`, gpu, gpuCount: 1, vramGb: 24, usdPerHour, interruptible: false, region: 'EU-RO-1', available: true, live: true, ...extra };
}

function providers(behaviour: Partial<Record<CloudProviderName, () => Promise<Offer[]>>>): void {
  fakeFactory.mockImplementation((name: CloudProviderName) => {
    const listOffers = behaviour[name];
    if (!listOffers) throw new Error(`unexpected provider ${name}`);
    return { name, listOffers } as unknown as Provider;
  });
}

const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(['offers', ...args], { env, cwd: process.cwd() });

beforeEach(() => fakeFactory.mockReset());

test('--offline lists the bundled catalog (clouds only) in the issue shape, cheapest first', async () => {
  const r = await cli(['--offline', '--json'], { RUNPOD_API_KEY: 'rp-secret-key-1' });
  expect(r.code).toBe(0);
  expect(fakeFactory).not.toHaveBeenCalled();
  const data = JSON.parse(r.out);
  expect(data.errors).toEqual([]);
  expect(data.offers).toHaveLength(['runpod', 'vast', 'lambda', 'paperspace'].reduce((n, p) => n + catalogCount(p), 0));
  for (const o of data.offers) {
    expect(Object.keys(o)).toEqual(expect.arrayContaining(['provider', 'gpu', 'gpuCount', 'vramGb', 'usdPerHour', 'interruptible', 'region', 'available', 'offerId', 'live']));
    expect(o).toMatchObject({ live: false, region: null, available: null });
  }
  const prices = data.offers.map((o: { usdPerHour: number }) => o.usdPerHour);
  expect(prices).toEqual([...prices].sort((a, b) => a - b));
});

test('live from clouds with a key, in parallel; one failing cloud is reported and does not hide the others', async () => {
  providers({
    vast: async () => [offer('vast', 'RTX 4090', 0.31, { downloadMbps: 900 }), offer('vast', 'A100 80GB PCIe', 1.1, { vramGb: 80 })],
    runpod: async () => {
      throw new AuthError('runpod: the API key was rejected (401)', { provider: 'runpod' });
    },
    lambda: async () => {
      throw new TransientError('lambda: timed out after 30 s', { provider: 'lambda' });
    },
  });
  const r = await cli(['--json'], { VAST_API_KEY: 'vast-secret-1', RUNPOD_API_KEY: 'rp-secret-key-1', LAMBDA_API_KEY: 'lambda-secret-1' });
  expect(r.code).toBe(0);
  const data = JSON.parse(r.out);
  expect(fakeFactory.mock.calls.map((c) => c[0]).sort()).toEqual(['lambda', 'runpod', 'vast']);
  expect(data.errors).toEqual([
    { provider: 'runpod', code: 'ERR_AUTH', message: 'runpod: the API key was rejected (401)' },
    { provider: 'lambda', code: 'ERR_TRANSIENT', message: 'lambda: timed out after 30 s' },
  ]);
  const vast = data.offers.filter((o: { provider: string }) => o.provider === 'vast');
  expect(vast.map((o: { gpu: string; live: boolean; region: string }) => [o.gpu, o.live, o.region])).toEqual([
    ['RTX 4090', true, 'EU-RO-1'],
    ['A100 80GB', true, 'EU-RO-1'], // "A100 80GB PCIe" normalized onto the catalog's name
  ]);
  for (const p of ['runpod', 'lambda', 'paperspace']) {
    const rows = data.offers.filter((o: { provider: string }) => o.provider === p);
    expect(rows.length).toBe(catalogCount(p));
    expect(rows.every((o: { live: boolean }) => !o.live)).toBe(true);
  }
  expect(r.out).not.toMatch(/secret/);
});

test('a cloud whose live read fails: a warning line on stderr, its catalog rows in the table', async () => {
  providers({ paperspace: async () => Promise.reject(new TransientError('paperspace: 503 from /v1/machines', { provider: 'paperspace' })) });
  const r = await cli(['--provider', 'paperspace'], { PAPERSPACE_API_KEY: 'ps-secret-key' });
  expect(r.code).toBe(0);
  expect(r.err).toBe('warning: paperspace: live offers failed (ERR_TRANSIENT): paperspace: 503 from /v1/machines; its catalog rows are shown instead\n');
  expect(r.out).toMatch(/RTX A4000 .*\$0\.76/);
});

describe('keys: a named cloud answers exit 3 naming the variable; with every cloud a refused key is a warning', () => {
  const refuse = async () => {
    throw new AuthError('runpod: the API key was rejected (401)', { provider: 'runpod' });
  };

  test('--provider runpod without RUNPOD_API_KEY: exit 3, one line, no table', async () => {
    const r = await cli(['--provider', 'runpod']);
    expect(r).toEqual({ code: 3, out: '', err: "gpuburst: runpod: no API key; set RUNPOD_API_KEY (or add --offline for the catalog's runpod rows)\n" });
    expect(fakeFactory).not.toHaveBeenCalled();
  });

  test('--provider runpod with a refused key: exit 3, the variable named, never the key', async () => {
    providers({ runpod: refuse });
    const r = await cli(['--provider', 'runpod'], { RUNPOD_API_KEY: 'rp-secret-key-1' });
    expect(r).toEqual({ code: 3, out: '', err: 'gpuburst: runpod: RUNPOD_API_KEY was refused (the API key was rejected (401))\n' });
  });

  test('--provider runpod --offline needs no key', async () => {
    const r = await cli(['--provider', 'runpod', '--offline', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).offers.length).toBe(catalogCount('runpod'));
  });

  test.each([[[]], [['--provider', 'auto']]])('%j with a refused key: one warning line, exit 0, the other clouds list', async (args) => {
    providers({ runpod: refuse, vast: async () => [offer('vast', 'RTX 4090', 0.31)] });
    const r = await cli([...(args as string[]), '--json'], { RUNPOD_API_KEY: 'rp-secret-key-1', VAST_API_KEY: 'vast-secret-1' });
    expect(r.code).toBe(0);
    expect(r.err).toBe('warning: runpod: RUNPOD_API_KEY was refused (the API key was rejected (401)); its catalog rows are shown instead\n');
    const data = JSON.parse(r.out);
    expect(data.offers.filter((o: { provider: string; live: boolean }) => o.provider === 'vast' && o.live)).toHaveLength(1);
    expect(data.offers.filter((o: { provider: string }) => o.provider === 'runpod')).toHaveLength(catalogCount('runpod'));
    expect(data.errors).toEqual([{ provider: 'runpod', code: 'ERR_AUTH', message: 'runpod: the API key was rejected (401)' }]);
    expect(r.out + r.err).not.toMatch(/secret/);
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

test('estimate --live prices rows from live offers and keeps the catalog for the rest', async () => {
  providers({ vast: async () => [offer('vast', 'RTX 4090', 0.29, { downloadMbps: 1600, offerId: 'ask-77' })] });
  let out = '';
  const sink = { write: (s: string) => ((out += s), true) } as unknown as NodeJS.WritableStream;
  const ctx: CliContext = { env: { VAST_API_KEY: 'vast-secret-1' }, cwd: process.cwd(), isTTY: false, stdout: sink, stderr: sink, log: () => undefined };
  const code = await main(['node', 'gpuburst', 'estimate', '--live', '--providers', 'vast', '--gpu', '4090', '--json'], ctx);
  expect(code).toBe(0);
  const [row] = JSON.parse(out).rows.filter((r: { provider: string }) => r.provider === 'vast');
  expect(row).toMatchObject({ offerId: 'ask-77', live: true, usdPerHour: 0.29 });
  expect(row.overhead.modelDownloadSeconds).toBeCloseTo(6500 / 200, 10); // 1600 Mbit/s = 200 MB/s
});
