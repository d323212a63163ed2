import { BadInputError } from '../../providers/errors';
import { canonicalGpu, gpuKey, resolveGpuNames } from '../../src/catalog/gpu-names';

const KNOWN = ['RTX 3060', 'RTX 4090', 'RTX A4000', 'RTX 6000 Ada', 'A10', 'A100 40GB', 'A100 80GB', 'H100 80GB', 'L40S'];

test.each([
  ['RTX 4090', ['RTX 4090']],
  ['rtx4090', ['RTX 4090']],
  ['4090', ['RTX 4090']],
  ['NVIDIA GeForce RTX 3060', ['RTX 3060']],
  ['a4000', ['RTX A4000']],
  ['A10', ['A10']],
  ['a100', ['A100 40GB', 'A100 80GB']],
  ['A100-80GB', ['A100 80GB']],
  ['h100', ['H100 80GB']],
  ['rtx 6000', ['RTX 6000 Ada']],
  ['l40s', ['L40S']],
])('%s selects %j', (input, expected) => {
  expect(resolveGpuNames(input, KNOWN)).toEqual(expected);
});

test('an unknown GPU is a BadInputError listing the known names', () => {
  expect(() => resolveGpuNames('RTX 9999', KNOWN)).toThrow(BadInputError);
  expect(() => resolveGpuNames('RTX 9999', KNOWN)).toThrow('--gpu: unknown GPU "RTX 9999"; known: A10, A100 40GB, A100 80GB, H100 80GB, L40S, RTX 3060, RTX 4090, RTX 6000 Ada, RTX A4000');
});

test('live names with a form factor map onto the catalog name; unknown ones do not', () => {
  expect(canonicalGpu('A100 80GB PCIe', KNOWN)).toBe('A100 80GB');
  expect(canonicalGpu('H100 80GB SXM5', KNOWN)).toBe('H100 80GB');
  expect(canonicalGpu('RTX 4070', KNOWN)).toBeUndefined();
  expect(gpuKey('NVIDIA RTX A4000')).toBe('rtxa4000');
});

test('the bundled catalog names every GPU as the provider table does, so live offers match catalog rows exactly', () => {
  const { GPU_NAMES, normalizeGpuName } = require('../../providers/gpus') as typeof import('../../providers/gpus');
  const { loadCatalog } = require('../../src/catalog/load') as typeof import('../../src/catalog/load');
  const known = Object.keys(loadCatalog({ env: {} }).catalog.gpus);
  for (const name of known) {
    expect(GPU_NAMES).toContain(name);
    expect(normalizeGpuName(name)).toBe(name);
    expect(canonicalGpu(name, known)).toBe(name);
  }
});
