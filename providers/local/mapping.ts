/** Local ComfyUI servers report their GPU as a torch device string; turn it into a name of the table (../gpus). */
import { normalizeGpuName } from '../gpus';

/** "cuda:0 NVIDIA GeForce RTX 3060 : cudaMallocAsync" → "RTX 3060". */
export function gpuFromDevice(device: string | undefined): string {
  if (!device) return 'unknown GPU';
  const name = device.replace(/^cuda:\d+\s+/i, '').replace(/\s*:\s*\w+$/, '').replace(/\s*\([^)]*\)\s*$/, '').trim();
  return name ? normalizeGpuName(name) : 'unknown GPU';
}

export interface SystemStats {
  devices?: { name?: string; type?: string; vram_total?: number }[];
}

/** VRAM of the first device in GB (ComfyUI reports bytes). */
export function vramGbFromStats(stats: SystemStats): number {
  const bytes = stats.devices?.[0]?.vram_total ?? 0;
  return Math.round((bytes / 1024 ** 3) * 10) / 10;
}
