/** The request schemas the simulators validate with come from the providers' descriptions and reject what they reject. */
import { checkRequest } from '../../src/sim/api-schemas';

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
