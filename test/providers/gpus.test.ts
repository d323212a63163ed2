/** The one GPU name table: raw names from every provider map onto it, memory sizes decide between siblings. */
import { GPU_NAMES, gpuModel, normalizeGpuName } from '../../providers/gpus';

test.each([
  ['NVIDIA A100-SXM4-80GB', undefined, 'A100 80GB'],
  ['A100 SXM4', 80, 'A100 80GB'],
  ['A100 PCIE', 40, 'A100 40GB'],
  ['A100X', 80, 'A100 80GB'],
  ['Tesla V100', 16, 'V100 16GB'],
  ['Tesla V100', 32, 'V100 32GB'],
  ['V100-32G', undefined, 'V100 32GB'],
  ['RTX 6000Ada', 48, 'RTX 6000 Ada'],
  ['Q RTX 6000', 24, 'Quadro RTX 6000'],
  ['RTX 6000', 24, 'Quadro RTX 6000'],
  ['NVIDIA GeForce RTX 3080TI', undefined, 'RTX 3080 Ti'],
  ['NVIDIA GeForce RTX 4080 SUPER', 16, 'RTX 4080 SUPER'],
  ['NVIDIA RTX PRO 6000 Blackwell Max-Q Workstation Edition', undefined, 'RTX PRO 6000 Max-Q'],
  ['NVIDIA RTX PRO 6000 Blackwell Server Edition', undefined, 'RTX PRO 6000'],
  ['AMD Instinct MI300X OAM', undefined, 'MI300X'],
  ['NVIDIA RTX A30', undefined, 'A30'],
  ['A6000', 48, 'RTX A6000'],
  ['GPU+', 8, 'Quadro M4000'],
  ['P4000', 8, 'Quadro P4000'],
  ['RTX4000', 8, 'Quadro RTX 4000'],
  ['NVIDIA A5000 Ada', 32, 'RTX 5000 Ada'],
  ['NVIDIA H100 80GB HBM3', 80, 'H100 80GB'],
  ['H100 NVL', 94, 'H100 NVL'],
  ['H200 NVL', 141, 'H200 NVL'],
  ['NVIDIA  RTX A4500', 20, 'RTX A4500'],
  ['NVIDIA RTX 4000 SFF Ada Generation', 20, 'RTX 4000 SFF Ada'],
] as [string, number | undefined, string][])('%s (%s GB) → %s', (raw, vramGb, name) => {
  expect(normalizeGpuName(raw, vramGb)).toBe(name);
  expect(GPU_NAMES).toContain(name);
});

test('a card the table does not know keeps its name, without vendor words', () => {
  expect(normalizeGpuName('NVIDIA GeForce RTX 9999 Hyper')).toBe('RTX 9999 Hyper');
});

test('names are unique and look-up ignores case and spacing', () => {
  expect(new Set(GPU_NAMES.map((n) => n.toLowerCase())).size).toBe(GPU_NAMES.length);
  expect(gpuModel('rtx 4080 super')?.name).toBe('RTX 4080 SUPER');
  expect(gpuModel('a100 80gb')?.vramGb).toBe(80);
});
