/**
 * One GPU naming across providers ("RTX 4090", "A100 80GB", "RTX A4000"). Users type "4090", "rtx-4090" or
 * "a100"; live offers may carry a form factor ("A100 80GB PCIe"). All of them resolve here.
 */
import { BadInputError } from '../../providers/errors';

const VARIANT_WORDS = /(pcie|sxm\d?|nvl)$/;

/** Lower-case letters and digits only, without vendor words: "NVIDIA GeForce RTX 4090" → "rtx4090". */
export function gpuKey(name: string): string {
  return name
    .toLowerCase()
    .replace(/nvidia|geforce|tesla|quadro/g, '')
    .replace(/[^a-z0-9]/g, '');
}

function keysOf(name: string): string[] {
  const key = gpuKey(name);
  return key.startsWith('rtx') ? [key, key.slice(3)] : [key];
}

/** The known name this exact name stands for (ignoring case, spaces, vendor words, a PCIe/SXM suffix), if any. */
export function canonicalGpu(name: string, known: readonly string[]): string | undefined {
  const key = gpuKey(name);
  for (const candidate of [key, key.replace(VARIANT_WORDS, '')]) {
    const hit = known.find((k) => keysOf(k).includes(candidate));
    if (hit) return hit;
  }
  return undefined;
}

/**
 * Every known name a user's word selects: an exact match wins, else every name it is the start of ("a100" →
 * both A100s). Nothing → BadInputError listing the known names.
 */
export function resolveGpuNames(input: string, known: readonly string[], what = '--gpu'): string[] {
  const exact = canonicalGpu(input, known);
  if (exact) return [exact];
  const key = gpuKey(input);
  const hits = key ? known.filter((k) => keysOf(k).some((c) => c.startsWith(key))) : [];
  if (hits.length) return hits;
  throw new BadInputError(`${what}: unknown GPU "${input}"; known: ${[...known].sort().join(', ')}`);
}
