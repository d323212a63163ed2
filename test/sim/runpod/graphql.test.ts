/** The GraphQL subset of the RunPod simulator: gpuTypes with spot prices, auth forms, 200 + errors. */
import type { ProviderSim } from '../../../src/sim/common/types';
import { Booted, call, podBody, startSim, waitFor, waitForStatus } from './helpers';

let sim: ProviderSim;
let key: string;
let booted: Booted;

beforeAll(async () => {
  ({ sim, key, booted } = await startSim());
});
afterAll(() => sim.close());

const gql = (query: string, opts: { key?: string; variables?: unknown; path?: string } = {}) =>
  call(sim, 'POST', opts.path ?? '/graphql', { key: opts.key, body: { query, variables: opts.variables } });

test('the runpod-python per-type query answers inside {"data":{"gpuTypes":[…]}}, spot prices included', async () => {
  const r = await gql(
    'query GpuTypes { gpuTypes(input: {id: "NVIDIA A100 80GB PCIe"}) { maxGpuCount id displayName manufacturer memoryInGb cudaCores secureCloud communityCloud securePrice communityPrice oneMonthPrice threeMonthPrice oneWeekPrice communitySpotPrice secureSpotPrice lowestPrice(input: {gpuCount: 1}) { minimumBidPrice uninterruptablePrice } } }',
    { key },
  );
  expect(r.status).toBe(200);
  expect(r.body.data.gpuTypes).toHaveLength(1);
  expect(r.body.data.gpuTypes[0]).toMatchObject({ id: 'NVIDIA A100 80GB PCIe', memoryInGb: 80, manufacturer: 'Nvidia', communitySpotPrice: 0.89, secureSpotPrice: null, oneMonthPrice: null });
  expect(r.body.data.gpuTypes[0].lowestPrice).toEqual({ minimumBidPrice: 0.89, uninterruptablePrice: 1.19 });
});

test('legacy ?api_key= works, and so does an anonymous catalog read; a wrong key is HTTP 401', async () => {
  const q = '{ gpuTypes { id } }';
  expect((await gql(q, { path: `/graphql?api_key=${key}` })).body.data.gpuTypes.length).toBeGreaterThan(5);
  expect((await gql(q)).status).toBe(200);
  expect((await gql(q, { key: 'rpa_WRONG' })).status).toBe(401);
});

test('aliases, variables and stock per cloud', async () => {
  const r = await gql(
    'query Q($id: String, $n: Int) { gpuTypes(input: {id: $id}) { id s: lowestPrice(input: {gpuCount: $n, secureCloud: true}) { stockStatus availableGpuCounts } c: lowestPrice(input: {gpuCount: $n, secureCloud: false}) { stockStatus } } }',
    { key, variables: { id: 'NVIDIA  RTX A4500', n: 1 } },
  );
  expect(r.body.data.gpuTypes[0].s).toEqual({ stockStatus: 'High', availableGpuCounts: [1, 2, 4, 8] });
  // A4500 is not offered on community cloud in the default catalog: no offer reads as null (gpuhunt's rule).
  expect(r.body.data.gpuTypes[0].c).toEqual({ stockStatus: null });
});

test('errors come back with HTTP 200 and an errors array', async () => {
  const unknown = await gql('{ gpuTypes { id bogusField } }', { key });
  expect(unknown.status).toBe(200);
  expect(unknown.body.errors[0].message).toBe('Cannot query field "bogusField" on type "GpuType".');
  const syntax = await gql('{ gpuTypes { id ', { key });
  expect(syntax.status).toBe(200);
  expect(syntax.body.errors[0].message).toMatch(/Syntax Error/);
  const mutation = await gql('mutation { podTerminate(input: {podId: "x"}) }', { key });
  expect(mutation.status).toBe(200);
  expect(mutation.body.errors[0].message).toMatch(/not simulated/);
});

test('a pod-scoped key gets GraphQL "Unauthorized" (200 + errors)', async () => {
  const created = await call(sim, 'POST', '/v2/pods', { key, body: podBody() });
  await waitForStatus(sim, key, created.body.id, 'RUNNING');
  const boot = await waitFor(() => booted.boots.find((b) => b.machineId === created.body.id), 'the boot');
  const r = await gql('{ gpuTypes { id } }', { key: boot.env.RUNPOD_API_KEY });
  expect(r.status).toBe(200);
  expect(r.body.errors[0].message).toBe('Unauthorized');
  await call(sim, 'DELETE', `/v2/pods/${created.body.id}`, { key });
});

test('a body without a query string is HTTP 400', async () => {
  expect((await call(sim, 'POST', '/graphql', { key, body: { variables: {} } })).status).toBe(400);
});

test('fragments work, and an input field the schema does not know is a validation error (as on a real GraphQL server)', async () => {
  const frag = await gql('query { gpuTypes(input: {id: "NVIDIA L40S"}) { ...Price } } fragment Price on GpuType { id securePrice }', { key });
  expect(frag.body.data.gpuTypes).toEqual([{ id: 'NVIDIA L40S', securePrice: 0.86 }]);
  const bad = await gql('{ gpuTypes(input: {gpuName: "x"}) { id } }', { key });
  expect(bad.status).toBe(200);
  expect(bad.body.errors[0]).toMatchObject({ message: 'Field "gpuName" is not defined by type "GpuTypeFilter".', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
  const wrongType = await gql('query Q($n: Int) { gpuTypes { lowestPrice(input: {gpuCount: $n}) { stockStatus } } }', { key, variables: { n: 'two' } });
  expect(wrongType.body.errors[0].message).toMatch(/Variable "\$n" got invalid value "two"/);
});
