/** The one billing table: adapters report it, and the estimator's rules are the same rows. */
import { BILLING } from '../../providers/billing';
import { capabilitiesOf, createProvider } from '../../providers';
import { CLOUD_PROVIDERS } from '../../providers/types';
import { loadCatalog, parseCatalog } from '../../src/catalog/load';
import { estimate } from '../../src/estimate/estimator';

const KEYS = { runpod: 'k-runpod-billing', vast: 'k-vast-billing', lambda: 'k-lambda-billing', paperspace: 'k-paperspace-billing' };

test.each(CLOUD_PROVIDERS.map((p) => [p]))('%s: capabilities().billing is the table row', (name) => {
  const provider = createProvider(name, { baseUrl: 'http://127.0.0.1:9', apiKey: KEYS[name], extra: {} });
  expect(provider.capabilities().billing).toEqual(BILLING[name]);
});

test('every row states an increment, a minimum, a note and a source', () => {
  for (const rule of Object.values(BILLING)) {
    expect(rule.incrementSeconds).toBeGreaterThanOrEqual(1);
    expect(rule.minimumSeconds).toBeGreaterThanOrEqual(0);
    expect(rule.note.length).toBeGreaterThan(10);
    expect(rule.source.length).toBeGreaterThan(5);
  }
});

test('Paperspace is billed per started hour in the adapter and in the estimate alike', () => {
  expect(BILLING.paperspace.incrementSeconds).toBe(3600);
  const { catalog } = loadCatalog({ env: {} });
  const batch = { model: 'sdxl', images: 10, steps: 20, width: 1024, height: 1024, batchSize: 1, precision: 'fp16' as const };
  const rows = estimate({ batch, catalog, includeOverhead: false }).rows.filter((r) => r.provider === 'paperspace');
  expect(rows.length).toBeGreaterThan(0);
  for (const r of rows) expect(r.billedSeconds % 3600).toBe(0);
  const lambda = estimate({ batch, catalog, includeOverhead: false }).rows.filter((r) => r.provider === 'lambda');
  for (const r of lambda) expect(r.billedSeconds % 60).toBe(0);
});

test('a catalog may not restate the billing of a provider with an adapter, nor carry Paperspace prices', () => {
  const { catalog } = loadCatalog({ env: {} });
  const withBilling = { ...catalog, providers: { ...catalog.providers, runpod: { ...catalog.providers.runpod!, billing: { incrementSeconds: 60, minimumSeconds: 0, date: '2026', source: 'somewhere', tag: 'I' } } } };
  expect(() => parseCatalog(withBilling, 'x')).toThrow(/providers.runpod.billing: runpod compute billing comes from providers\/billing.ts/);
  const withPrices = { ...catalog, offers: [...catalog.offers, { provider: 'paperspace', gpu: 'RTX A4000', gpuCount: 1, usdPerHour: 0.5, interruptible: false, date: '2026', source: 'somewhere', tag: 'I' }] };
  expect(() => parseCatalog(withPrices, 'x')).toThrow(/Paperspace prices come from the adapter's table/);
});

test('capabilitiesOf answers without a key, the same as a configured adapter', () => {
  for (const name of CLOUD_PROVIDERS) {
    const configured = createProvider(name, { baseUrl: 'http://127.0.0.1:9', apiKey: KEYS[name], extra: {} }).capabilities();
    expect(capabilitiesOf(name)).toEqual(configured);
  }
  expect(capabilitiesOf('lambda').selfTerminate).toMatchObject({ via: 'account-key', needsRemoteKey: true });
  expect(capabilitiesOf('runpod').selfTerminate).toMatchObject({ via: 'machine-scoped-key', needsRemoteKey: false });
  expect(capabilitiesOf('local').billing).toEqual(BILLING.local);
});
