/** The request schemas the simulators validate with come from the providers' descriptions and reject what they reject. */
import { execFileSync } from 'child_process';
import path from 'path';
import { checkRequest, SchemaProvider } from '../../src/sim/api-schemas';
import { ensureBuilt, ROOT } from '../stacks/support/build';

test('RunPod create: unknown properties (unevaluatedProperties), a missing name, a bad enum', () => {
  const problems = checkRequest('runpod', 'createPod', { name: '', image: 'x', cloud: 'MOON', bogus: 1 });
  expect(problems.map((p) => [p.path, p.keyword])).toEqual(expect.arrayContaining([['$.name', 'minLength'], ['$.cloud', 'enum'], ['$', 'unevaluatedProperties']]));
  expect(checkRequest('runpod', 'createPod', { name: 'n' }).map((p) => p.properties)).toContainEqual(['image']);
  expect(checkRequest('runpod', 'createPod', { name: 'n', image: 'i', gpu: { id: 'NVIDIA L4', count: 1 }, env: { A: 'b' }, ports: ['8188/http'] })).toEqual([]);
});

test('Vast create: its x-input-validation limits are part of the schema', () => {
  const paths = checkRequest('vast', 'createInstance', { image: 'i', label: 'l'.repeat(257), disk: 4, price: 200, runtype: 'sshh' }).map((p) => p.path);
  expect(paths.sort()).toEqual(['$.disk', '$.label', '$.price', '$.runtype']);
});

test('Lambda launch: required fields, tag key pattern, name length', () => {
  expect(checkRequest('lambda', 'launch', {}).map((p) => p.properties[0]).sort()).toEqual(['instance_type_name', 'region_name', 'ssh_key_names']);
  const body = { region_name: 'r', instance_type_name: 't', ssh_key_names: ['k'], name: 'n'.repeat(65), tags: [{ key: 'Bad', value: 'v' }] };
  expect(checkRequest('lambda', 'launch', body).map((p) => p.path).sort()).toEqual(['$.name', '$.tags[0].key']);
});

test('Paperspace create: the five required fields', () => {
  expect(checkRequest('paperspace', 'createMachine', { name: 'x' }).map((p) => p.properties[0]).sort()).toEqual(['diskSize', 'machineType', 'region', 'templateId']);
});

describe('the build’s precompiled validators (dist/, what a simulated CLI uses)', () => {
  const DOCS = { runpod: require('../../src/sim/api-schemas/runpod.json'), vast: require('../../src/sim/api-schemas/vast.json'), lambda: require('../../src/sim/api-schemas/lambda.json'), paperspace: require('../../src/sim/api-schemas/paperspace.json') };
  const BODIES: unknown[] = [
    {},
    null,
    'text',
    [],
    { bogus: 1 },
    { name: '', image: 'x', cloud: 'MOON', bogus: 1 },
    { name: 'n', image: 'i', gpu: { id: 'NVIDIA L4', count: 1 }, env: { A: 'b' }, ports: ['8188/http'] },
    { image: 'i', label: 'l'.repeat(257), disk: 4, price: 200, runtype: 'sshh' },
    { region_name: 'r', instance_type_name: 't', ssh_key_names: ['k'], name: 'n'.repeat(65), tags: [{ key: 'Bad', value: 'v' }] },
    { name: 'x', machineType: 'A100', region: 'ny2', diskSize: 50, templateId: 't' },
    { state: 'stopped' },
  ];

  beforeAll(async () => {
    await ensureBuilt();
  }, 120_000);

  test('answer the same problems as the schemas compiled here, for every request of every description, and load no ajv compiler', () => {
    const cases: [SchemaProvider, string, unknown][] = [];
    for (const [provider, doc] of Object.entries(DOCS) as [SchemaProvider, { requests: object }][]) {
      for (const request of Object.keys(doc.requests)) for (const body of BODIES) cases.push([provider, request, body]);
    }
    expect(cases).toHaveLength(12 * BODIES.length);
    // A plain node process, as the CLI runs: jest's module loader is not in the way.
    const script = `
      const { checkRequest } = require(${JSON.stringify(path.join(ROOT, 'dist', 'src', 'sim', 'api-schemas', 'index.js'))});
      const answers = JSON.parse(process.argv[1]).map(([p, r, b]) => checkRequest(p, r, b));
      const loaded = Object.keys(require.cache);
      console.log(JSON.stringify({ answers, validators: loaded.some((f) => f.endsWith('validators.js')), compiler: loaded.some((f) => f.includes('/ajv/dist/compile/')) }));`;
    const out = JSON.parse(execFileSync(process.execPath, ['-e', script, JSON.stringify(cases)], { encoding: 'utf8' }));
    expect({ validators: out.validators, compiler: out.compiler }).toEqual({ validators: true, compiler: false });
    expect(out.answers.some((a: unknown[]) => a.length > 0)).toBe(true);
    expect(cases.map((c, i) => [...c, out.answers[i]])).toEqual(cases.map(([p, r, b]) => [p, r, b, checkRequest(p, r, b)]));
  });
});
