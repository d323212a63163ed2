/**
 * The one table of ComfyUI images gpuburst runs: per cloud, a pinned tag (never `latest`), the ComfyUI release it
 * carries and the CUDA build, and so which GPU architectures it can run. Sources and reasons per pin:
 * docs/machines.md and ../shared/reference/machines-and-user-needs.md §1.
 *
 * - `vastai/comfy:<ComfyUI tag>-cuda-12.9-py312`: Vast's own build (vast-ai/base-image build-comfyui workflow: repo
 *   `comfy`, tag `<ComfyUI ref>-cuda-<cuda>-<py>`, PyTorch 2.9.1 cu128 base). cu128 PyTorch has Blackwell kernels
 *   and no longer ships Maxwell/Pascal/Volta ones.
 * - `ghcr.io/ai-dock/comfyui:v2-cuda-12.1.1-base-22.04-v0.2.2`: what `latest-cuda` pointed at when ai-dock stopped
 *   (2024-09); PyTorch 2.4.1 cu121 runs Maxwell to Hopper, not Blackwell.
 */
import { BadInputError } from './errors';
import { gpuModel, GpuArch } from './gpus';
import { settingsPrefix } from './config';
import type { CloudProviderName } from './types';

export interface ImagePin {
  image: string;
  /** The ComfyUI release the image carries. */
  comfyuiVersion: string;
  /** CUDA the image's PyTorch was built for. */
  cuda: string;
  /** GPU architectures that build has kernels for. */
  archs: readonly GpuArch[];
}

const CU128_ARCHS: readonly GpuArch[] = ['turing', 'ampere', 'ada', 'hopper', 'blackwell'];
const CU121_ARCHS: readonly GpuArch[] = ['maxwell', 'pascal', 'volta', 'turing', 'ampere', 'ada', 'hopper'];

const vastComfy = (version: string): ImagePin => ({ image: `vastai/comfy:v${version}-cuda-12.9-py312`, comfyuiVersion: version, cuda: '12.9', archs: CU128_ARCHS });
const AI_DOCK_022: ImagePin = { image: 'ghcr.io/ai-dock/comfyui:v2-cuda-12.1.1-base-22.04-v0.2.2', comfyuiVersion: '0.2.2', cuda: '12.1', archs: CU121_ARCHS };

/** Per cloud, newest first; the first pin is the default. */
export const IMAGE_PINS: Record<CloudProviderName, readonly ImagePin[]> = {
  vast: [vastComfy('0.3.64'), vastComfy('0.22.0')],
  runpod: [AI_DOCK_022],
  lambda: [AI_DOCK_022],
  paperspace: [AI_DOCK_022],
};

export interface ImageChoice {
  image: string;
  /** Undefined for an image set with GPUBURST_<CLOUD>_IMAGE (its ComfyUI and CUDA are the user's business). */
  pin?: ImagePin;
}

/** Every ComfyUI version some pinned image carries. */
export function knownComfyuiVersions(): string[] {
  return [...new Set(Object.values(IMAGE_PINS).flatMap((pins) => pins.map((p) => p.comfyuiVersion)))].sort();
}

/** The image set with GPUBURST_<CLOUD>_IMAGE, refused when it is not pinned (no tag, or `latest`). */
export function imageOverride(provider: CloudProviderName, env: Record<string, string | undefined>): string | undefined {
  const name = `${settingsPrefix(provider)}IMAGE`;
  const value = env[name]?.trim();
  if (!value) return undefined;
  const lastPart = value.split('/').pop() ?? '';
  const tag = value.includes('@sha256:') ? 'digest' : lastPart.includes(':') ? lastPart.split(':').pop() : undefined;
  if (!tag || /^latest/.test(tag)) {
    throw new BadInputError(`${name}="${value}" is not pinned; name a version tag or digest, e.g. ${IMAGE_PINS[provider][0].image}`, { provider });
  }
  return value;
}

/**
 * The image a machine of `provider` runs for this ComfyUI version on this GPU, or a BadInputError naming the GPU,
 * the image and what to choose instead. A GPU the table does not know is not refused (its architecture is unknown).
 */
export function resolveImage(o: { provider: CloudProviderName; gpu?: string; comfyuiVersion?: string; env?: Record<string, string | undefined> }): ImageChoice {
  const override = imageOverride(o.provider, o.env ?? {});
  if (override) return { image: override };
  const pins = IMAGE_PINS[o.provider];
  const forVersion = o.comfyuiVersion ? pins.filter((p) => p.comfyuiVersion === o.comfyuiVersion) : pins;
  if (forVersion.length === 0) {
    throw new BadInputError(`comfyui: ${o.comfyuiVersion} has no image on ${o.provider}; accepted there: ${pins.map((p) => p.comfyuiVersion).join(', ')}`, { provider: o.provider });
  }
  const arch = o.gpu ? gpuModel(o.gpu)?.arch : undefined;
  const runs = forVersion.find((p) => !arch || p.archs.includes(arch));
  if (runs) return { image: runs.image, pin: runs };
  const pin = forVersion[0];
  throw new BadInputError(`GPU ${o.gpu} (${arch}) cannot run ${pin.image} (ComfyUI ${pin.comfyuiVersion}, CUDA ${pin.cuda}); ${alternatives(arch!, o.provider)}`, { provider: o.provider });
}

/** True when the image resolved for this offer can run on its GPU (no throw: for filtering offers). */
export function imageRuns(o: { provider: CloudProviderName; gpu?: string; comfyuiVersion?: string; env?: Record<string, string | undefined> }): boolean {
  try {
    resolveImage(o);
    return true;
  } catch {
    return false;
  }
}

function alternatives(arch: GpuArch, provider: CloudProviderName): string {
  const elsewhere = Object.entries(IMAGE_PINS).flatMap(([p, pins]) => pins.filter((x) => x.archs.includes(arch)).map((x) => `${p === provider ? '' : `provider ${p}, `}comfyui: ${x.comfyuiVersion}`));
  const gpus = `a GPU of another generation (this ${provider} image runs ${IMAGE_PINS[provider][0].archs.join(', ')})`;
  return elsewhere.length ? `choose ${[...new Set(elsewhere)].join(' or ')}, or ${gpus}` : `choose ${gpus}`;
}

/**
 * The oldest host CUDA (as Vast's `cuda_max_good` reports the driver) that runs every pin of a cloud. NVIDIA's
 * minor-version compatibility lets a 12.9 build run on any 12.x driver (vastai/comfy README "CUDA Compatibility"),
 * so the major version is the floor; a 13.x build would need 13.
 */
export function minHostCuda(provider: CloudProviderName): number {
  return Math.max(...IMAGE_PINS[provider].map((p) => Math.floor(Number(p.cuda))));
}
