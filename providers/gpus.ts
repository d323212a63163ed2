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
  /** Raw spellings the generic rules below cannot derive (compared as keys: lower case, letters and digits). */
  aliases?: string[];
}

const gpu = (name: string, vramGb: number, aliases?: string[]): GpuModel => ({ name, vramGb, ...(aliases ? { aliases } : {}) });

export const GPUS: readonly GpuModel[] = [
  // GeForce
  gpu('RTX 3060', 12), gpu('RTX 3070', 8), gpu('RTX 3080', 10), gpu('RTX 3080 Ti', 12), gpu('RTX 3090', 24), gpu('RTX 3090 Ti', 24),
  gpu('RTX 4070 Ti', 12), gpu('RTX 4080', 16), gpu('RTX 4080 SUPER', 16), gpu('RTX 4090', 24), gpu('RTX 5080', 16), gpu('RTX 5090', 32),
  // Workstation (Ampere, Ada, Blackwell)
  gpu('RTX A2000', 12), gpu('RTX A4000', 16), gpu('RTX A4500', 20), gpu('RTX A5000', 24), gpu('RTX A6000', 48),
  gpu('RTX 2000 Ada', 16), gpu('RTX 4000 Ada', 20), gpu('RTX 4000 SFF Ada', 20), gpu('RTX 5000 Ada', 32, ['a5000ada']), gpu('RTX 6000 Ada', 48),
  gpu('RTX PRO 6000', 96), gpu('RTX PRO 6000 Max-Q', 96),
  // Quadro (Paperspace's older types; Lambda's "RTX 6000" is the Turing Quadro)
  gpu('Quadro M4000', 8, ['gpu+']), gpu('Quadro P4000', 8), gpu('Quadro P5000', 16), gpu('Quadro P6000', 24),
  gpu('Quadro RTX 4000', 8), gpu('Quadro RTX 5000', 16), gpu('Quadro RTX 6000', 24), gpu('Quadro RTX 8000', 48),
  // Data centre
  gpu('P4', 8), gpu('P40', 24), gpu('P100', 16), gpu('T4', 16), gpu('V100 16GB', 16), gpu('V100 32GB', 32),
  gpu('A10', 24), gpu('A10G', 24), gpu('A16', 16), gpu('A30', 24), gpu('A40', 48), gpu('L4', 24), gpu('L40', 48), gpu('L40S', 48),
  gpu('A100 40GB', 40, ['a100x']), gpu('A100 80GB', 80, ['a100x']), gpu('A800', 80), gpu('H100 80GB', 80), gpu('H100 NVL', 94), gpu('H200', 141), gpu('H200 NVL', 141),
  gpu('GH200', 96), gpu('B200', 180), gpu('MI300X', 192),
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
