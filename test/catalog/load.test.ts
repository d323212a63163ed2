import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BadInputError } from '../../providers/errors';
import { bundledCatalogPath, CATALOG_ENV, loadCatalog, parseCatalog } from '../../src/catalog/load';
import { catalogOffers } from '../../src/catalog/offers';

const bundled = () => JSON.parse(fs.readFileSync(bundledCatalogPath(), 'utf8'));

function expectBadInput(raw: unknown, pattern: RegExp): void {
  let caught: unknown;
  try {
    parseCatalog(raw, 'test.json');
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(BadInputError);
  expect((caught as Error).message).toMatch(pattern);
}

describe('bundled catalog', () => {
  const { catalog } = loadCatalog({ env: {} });

  test('every offer, throughput row, GPU factor and provider term carries a date and a source', () => {
    const rows = [
      ...catalog.offers,
      ...catalog.throughput,
      ...Object.values(catalog.gpus).map((g) => g.precision),
      ...Object.values(catalog.providers).flatMap((p) => [p!.billing, p!.storage, p!.timing, p!.download]).filter((r) => r !== undefined),
    ];
    expect(rows.length).toBeGreaterThan(100);
    for (const r of rows) {
      expect(r.date).toMatch(/^\d{4}(-\d{2}(-\d{2})?)?$/);
      expect(r.source.length).toBeGreaterThan(10);
    }
  });

  test('every GPU offered has throughput for sd15, sdxl and flux-dev', () => {
    for (const o of catalog.offers) {
      for (const model of ['sd15', 'sdxl', 'flux-dev']) {
        expect([o.gpu, model, catalog.throughput.some((t) => t.gpu === o.gpu && t.model === model)]).toEqual([o.gpu, model, true]);
      }
    }
  });

  test('has the four clouds, the local RTX 3060 with its board power, and Colab as estimate-only', () => {
    const providers = new Set(catalogOffers(catalog).map((o) => o.provider));
    expect([...providers].sort()).toEqual(['colab', 'lambda', 'local', 'paperspace', 'runpod', 'vast']);
    expect(catalog.offers.filter((o) => o.provider === 'local').map((o) => o.gpu)).toEqual(['RTX 3060']);
    expect(catalog.gpus['RTX 3060'].power?.boardWatts).toBe(170);
    expect(catalog.providers.colab?.provisionable).toBe(false);
    expect(catalog.providers.colab?.reason).toMatch(/no API/);
    const colab = catalogOffers(catalog).find((o) => o.provider === 'colab');
    expect(colab).toMatchObject({ gpu: 'A100 40GB', usdPerMonth: 10 });
    expect(colab!.usdPerHour * 720).toBeCloseTo(10, 10);
  });

  test('the seed RunPod RTX 4090 $0.34 appears as the interruptible price, next to the on-demand one', () => {
    const rows = catalog.offers.filter((o) => o.provider === 'runpod' && o.gpu === 'RTX 4090');
    expect(rows.map((r) => [r.interruptible, r.usdPerHour])).toEqual([[false, 0.69], [true, 0.34]]);
  });
});

describe('malformed catalogs are rejected with the field and what is expected', () => {
  test('a row without a source', () => {
    const raw = bundled();
    delete raw.offers[0].source;
    expectBadInput(raw, /catalog test\.json: offers\.0\.source: /);
  });

  test('a negative price', () => {
    const raw = bundled();
    raw.offers[2].usdPerHour = -1;
    expectBadInput(raw, /offers\.2\.usdPerHour/);
  });

  test('a price given twice (per hour and per month)', () => {
    const raw = bundled();
    raw.offers[0].usdPerMonth = 5;
    expectBadInput(raw, /offers\.0: expected exactly one of usdPerHour or usdPerMonth/);
  });

  test('a throughput row with neither it/s nor seconds per image', () => {
    const raw = bundled();
    delete raw.throughput[0].itPerSecond;
    expectBadInput(raw, /throughput\.0: expected exactly one of itPerSecond or secondsPerImage/);
  });

  test('an offer naming a GPU the gpus section lacks', () => {
    const raw = bundled();
    raw.offers[1].gpu = 'RTX 9999';
    expectBadInput(raw, /offers\.1\.gpu: "RTX 9999" is not in gpus/);
  });

  test('a duplicate throughput row', () => {
    const raw = bundled();
    raw.throughput.push({ ...raw.throughput[0] });
    expectBadInput(raw, /a second row for RTX 3060 sd15/);
  });

  test('an estimate-only provider without a reason', () => {
    const raw = bundled();
    delete raw.providers.colab.reason;
    expectBadInput(raw, /providers\.colab\.reason: required/);
  });

  test('a bad date', () => {
    const raw = bundled();
    raw.throughput[3].date = 'June 2023';
    expectBadInput(raw, /throughput\.3\.date: expected a date/);
  });

  test('not an object at all', () => {
    expectBadInput([], /catalog test\.json: \(top level\)/);
  });
});

describe('pointing at another catalog file', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-catalog-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  function writeVariant(name: string, date: string): string {
    const raw = bundled();
    raw.catalogDate = date;
    const file = path.join(dir, name);
    fs.writeFileSync(file, JSON.stringify(raw));
    return file;
  }

  test(`${CATALOG_ENV} is read, relative to cwd`, () => {
    writeVariant('mine.json', '2030-01-02');
    const loaded = loadCatalog({ env: { [CATALOG_ENV]: 'mine.json' }, cwd: dir });
    expect(loaded).toMatchObject({ origin: 'env', path: path.join(dir, 'mine.json') });
    expect(loaded.catalog.catalogDate).toBe('2030-01-02');
  });

  test('an explicit path beats the environment', () => {
    writeVariant('env.json', '2030-01-02');
    const file = writeVariant('opt.json', '2031-03-04');
    const loaded = loadCatalog({ path: file, env: { [CATALOG_ENV]: path.join(dir, 'env.json') } });
    expect(loaded.origin).toBe('option');
    expect(loaded.catalog.catalogDate).toBe('2031-03-04');
  });

  test('YAML by extension', () => {
    const file = path.join(dir, 'cat.yaml');
    const { stringify } = require('yaml') as typeof import('yaml');
    fs.writeFileSync(file, stringify({ ...bundled(), catalogDate: '2032-05-06' }));
    expect(loadCatalog({ path: file }).catalog.catalogDate).toBe('2032-05-06');
  });

  test('a missing file or broken JSON is a BadInputError naming the file', () => {
    expect(() => loadCatalog({ env: { [CATALOG_ENV]: path.join(dir, 'nope.json') } })).toThrow(/nope\.json \(from GPUBURST_CATALOG\) cannot be read: ENOENT/);
    fs.writeFileSync(path.join(dir, 'broken.json'), '{ "catalogDate": ');
    expect(() => loadCatalog({ path: path.join(dir, 'broken.json') })).toThrow(BadInputError);
    expect(() => loadCatalog({ path: path.join(dir, 'broken.json') })).toThrow(/broken\.json is not valid JSON/);
  });
});
