/**
 * Vast `gpu_name` values ("RTX 4090", "A100 SXM4", "RTX 6000Ada", "Tesla V100": spaces, no vendor; vast.md §2)
 * → the normalized names every adapter produces ("A100 80GB", "RTX 6000 Ada", "V100"). Where Vast's name does
 * not tell the memory size (A100), `gpu_ram` (MB) decides. Names not listed here pass through tidied.
 */
type Rule = string | ((gpuRamMb: number) => string);

const a100 = (gpuRamMb: number) => (gpuRamMb >= 60_000 ? 'A100 80GB' : 'A100 40GB');

export const VAST_GPU_NAMES: Record<string, Rule> = {
  'A100 PCIE': a100,
  'A100 SXM4': a100,
  'A100 SXM': a100,
  A100X: a100,
  'A800 PCIE': 'A800',
  'H100 SXM': 'H100 80GB',
  'H100 PCIE': 'H100 80GB',
  'H100 NVL': 'H100 NVL',
  'H200 NVL': 'H200 NVL',
  'RTX 6000Ada': 'RTX 6000 Ada',
  'RTX 5000Ada': 'RTX 5000 Ada',
  'RTX 4000Ada': 'RTX 4000 Ada',
  'RTX 2000Ada': 'RTX 2000 Ada',
  'Q RTX 6000': 'Quadro RTX 6000',
  'Q RTX 8000': 'Quadro RTX 8000',
  'Tesla V100': 'V100',
  'Tesla T4': 'T4',
  'Tesla P100': 'P100',
  'Tesla P40': 'P40',
  'Tesla P4': 'P4',
};

/** Both sizes a memory-dependent rule can produce. */
const PROBE_RAM_MB = [16_000, 200_000];

export function normalizeGpuName(vastName: string, gpuRamMb = 0): string {
  const name = vastName.replace(/_/g, ' ').replace(/\s+/g, ' ').trim();
  const rule = VAST_GPU_NAMES[name];
  if (typeof rule === 'string') return rule;
  if (rule) return rule(gpuRamMb);
  return name
    .replace(/^(NVIDIA|GeForce|Tesla)\s+/i, '')
    .replace(/^GeForce\s+/i, '')
    .replace(/^RTX (\d{4})Ada$/, 'RTX $1 Ada');
}

/** Vast names worth asking the search for, for one normalized name (the name itself included). */
export function vastNamesFor(normalized: string): string[] {
  const wanted = normalized.trim().toLowerCase();
  const out = new Set<string>();
  for (const [vastName, rule] of Object.entries(VAST_GPU_NAMES)) {
    const outputs = typeof rule === 'string' ? [rule] : PROBE_RAM_MB.map(rule);
    if (outputs.some((o) => o.toLowerCase() === wanted)) out.add(vastName);
  }
  out.add(normalized.trim());
  return [...out];
}
