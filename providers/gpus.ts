/**
 * The one GPU name table. Every adapter maps its provider's raw names onto these names (in its mapping.ts), and the
 * catalog's `gpus` keys are names from here, so "A100 80GB" means the same card in an offer from any provider, in the
 * catalog and in `--gpu`. A card sold with more than one memory size carries the size in its name ("V100 16GB").
 */

export interface GpuModel {
  /** The normalized name. */
  name: string;
  /** Memory per GPU, GB. */
  vramGb: number;
  /** Architecture: decides which CUDA builds can run on it (providers/images.ts). */
  arch: GpuArch;
  /** Raw spellings the generic rules below cannot derive (compared as keys: lower case, letters and digits). */
  aliases?: string[];
}

/**
 * NVIDIA architectures by compute capability (Maxwell 5.x, Pascal 6.x, Volta 7.0, Turing 7.5, Ampere 8.0/8.6,
 * Ada 8.9, Hopper 9.0, Blackwell 10.0/12.0), plus AMD's CDNA, which no CUDA image runs.
 */
export type GpuArch = 'maxwell' | 'pascal' | 'volta' | 'turing' | 'ampere' | 'ada' | 'hopper' | 'blackwell' | 'cdna';

const gpu = (name: string, vramGb: number, arch: GpuArch, aliases?: string[]): GpuModel => ({ name, vramGb, arch, ...(aliases ? { aliases } : {}) });

export const GPUS: readonly GpuModel[] = [
  // GeForce
  gpu('RTX 3060', 12, 'ampere'), gpu('RTX 3070', 8, 'ampere'), gpu('RTX 3080', 10, 'ampere'), gpu('RTX 3080 Ti', 12, 'ampere'), gpu('RTX 3090', 24, 'ampere'), gpu('RTX 3090 Ti', 24, 'ampere'),
  gpu('RTX 4070 Ti', 12, 'ada'), gpu('RTX 4080', 16, 'ada'), gpu('RTX 4080 SUPER', 16, 'ada'), gpu('RTX 4090', 24, 'ada'), gpu('RTX 5080', 16, 'blackwell'), gpu('RTX 5090', 32, 'blackwell'),
  // Workstation (Ampere, Ada, Blackwell)
  gpu('RTX A2000', 12, 'ampere'), gpu('RTX A4000', 16, 'ampere'), gpu('RTX A4500', 20, 'ampere'), gpu('RTX A5000', 24, 'ampere'), gpu('RTX A6000', 48, 'ampere'),
  gpu('RTX 2000 Ada', 16, 'ada'), gpu('RTX 4000 Ada', 20, 'ada'), gpu('RTX 4000 SFF Ada', 20, 'ada'), gpu('RTX 5000 Ada', 32, 'ada', ['a5000ada']), gpu('RTX 6000 Ada', 48, 'ada'),
  gpu('RTX PRO 6000', 96, 'blackwell'), gpu('RTX PRO 6000 Max-Q', 96, 'blackwell'),
  // Quadro (Paperspace's older types; Lambda's "RTX 6000" is the Turing Quadro)
  gpu('Quadro M4000', 8, 'maxwell', ['gpu+']), gpu('Quadro P4000', 8, 'pascal'), gpu('Quadro P5000', 16, 'pascal'), gpu('Quadro P6000', 24, 'pascal'),
  gpu('Quadro RTX 4000', 8, 'turing'), gpu('Quadro RTX 5000', 16, 'turing'), gpu('Quadro RTX 6000', 24, 'turing'), gpu('Quadro RTX 8000', 48, 'turing'),
  // Data centre
  gpu('P4', 8, 'pascal'), gpu('P40', 24, 'pascal'), gpu('P100', 16, 'pascal'), gpu('T4', 16, 'turing'), gpu('V100 16GB', 16, 'volta'), gpu('V100 32GB', 32, 'volta'),
  gpu('A10', 24, 'ampere'), gpu('A10G', 24, 'ampere'), gpu('A16', 16, 'ampere'), gpu('A30', 24, 'ampere'), gpu('A40', 48, 'ampere'), gpu('L4', 24, 'ada'), gpu('L40', 48, 'ada'), gpu('L40S', 48, 'ada'),
  gpu('A100 40GB', 40, 'ampere', ['a100x']), gpu('A100 80GB', 80, 'ampere', ['a100x']), gpu('A800', 80, 'ampere'), gpu('H100 80GB', 80, 'hopper'), gpu('H100 NVL', 94, 'hopper'), gpu('H200', 141, 'hopper'), gpu('H200 NVL', 141, 'hopper'),
  gpu('GH200', 96, 'hopper'), gpu('B200', 180, 'blackwell'), gpu('MI300X', 192, 'cdna'),
];

export const GPU_NAMES: readonly string[] = GPUS.map((g) => g.name);

/** Words that never tell two cards apart: vendor and product-line words, form factors, marketing suffixes. */
const NOISE = new Set(['nvidia', 'geforce', 'tesla', 'quadro', 'q', 'amd', 'instinct', 'generation', 'blackwell', 'server', 'workstation', 'edition', 'pcie', 'sxm', 'sxm2', 'sxm4', 'sxm5', 'hbm3', 'oam', 'fhhl']);
const MEMORY = /^(\d+)g(?:b|ib)?$/;

/** Lower-case letters and digits only: "RTX 4080 SUPER" → "rtx4080super". */
export function gpuKey(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9+]/g, '');
}

/** The words of a name that tell cards apart, joined, plus the memory size it states: "A100-SXM4-80GB" → a100, 80. */
function parse(raw: string): { key: string; memoryGb?: number } {
  const words = raw.toLowerCase().replace(/\([^)]*\)/g, ' ').split(/[\s_-]+/).filter(Boolean);
  let memoryGb: number | undefined;
  const kept: string[] = [];
  for (const w of words) {
    const m = MEMORY.exec(w);
    if (m) memoryGb = Number(m[1]);
    else if (!NOISE.has(w)) kept.push(w);
  }
  return { key: kept.join(''), memoryGb };
}

/** Table entries by key without the memory size: "a100" → both A100s. */
const FAMILIES = new Map<string, GpuModel[]>();
for (const g of GPUS) {
  for (const key of [parse(g.name).key, ...(g.aliases ?? [])]) FAMILIES.set(key, [...(FAMILIES.get(key) ?? []), g]);
}

/** The table entry with exactly this name (case-insensitive), if any. */
export function gpuModel(name: string): GpuModel | undefined {
  const key = gpuKey(name);
  return GPUS.find((g) => gpuKey(g.name) === key);
}

/**
 * A provider's raw GPU name → the table's name. `vramGb` (or a size inside the name, "A100-SXM4-80GB") picks between
 * memory sizes. A name the table does not know comes back tidied (vendor words dropped), so no offer is lost.
 */
export function normalizeGpuName(raw: string, vramGb?: number): string {
  const parsed = parse(raw);
  const key = parsed.key;
  const memoryGb = parsed.memoryGb ?? vramGb;
  for (const candidate of [key, `rtx${key}`, key.replace(/^rtx/, '')]) {
    const family = FAMILIES.get(candidate);
    if (family) return bySize(family, memoryGb).name;
  }
  return tidy(raw);
}

/** The family member whose memory is closest to `memoryGb`; the smallest when the size is unknown. */
function bySize(family: GpuModel[], memoryGb: number | undefined): GpuModel {
  if (family.length === 1 || memoryGb === undefined || !(memoryGb > 0)) return family[0];
  return family.reduce((best, g) => (Math.abs(g.vramGb - memoryGb) < Math.abs(best.vramGb - memoryGb) ? g : best));
}

function tidy(raw: string): string {
  return raw.replace(/^(NVIDIA|AMD|Tesla)\s+/i, '').replace(/^(GeForce|Instinct)\s+/i, '').replace(/\s+/g, ' ').trim();
}
