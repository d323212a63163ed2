/**
 * ComfyUI machine templates: which image each provider runs and how its auth proxy takes the machine's token.
 * Both images put ComfyUI behind a proxy that accepts `Authorization: Bearer <token>` or `?token=<token>`
 * (docs/reference/comfyui.md §4), so ComfyUI is never reachable without the session's token. RunPod's own `runpod/comfyui`
 * has no auth and RunPod's proxy is public, so it is not used.
 */
import { IMAGE_PINS } from '../../providers/images';
import type { CloudProviderName, PortSpec, ProviderName } from '../../providers/types';

export interface ComfyTemplate {
  /** The default pin (providers/images.ts); a session takes the one its GPU and `comfyui:` version need. */
  image: string;
  /** Env variable the image's auth proxy reads its token from. */
  tokenEnv: 'WEB_TOKEN' | 'OPEN_BUTTON_TOKEN';
  /** Command that starts the image normally, for providers where gpuburst wraps the start. */
  startCommand?: string;
  /** Inside the container. */
  comfyDir: string;
  env: Record<string, string>;
  ports: PortSpec[];
  diskGb: number;
}

const AI_DOCK: ComfyTemplate = {
  image: IMAGE_PINS.runpod[0].image,
  tokenEnv: 'WEB_TOKEN',
  startCommand: '/opt/ai-dock/bin/init.sh',
  comfyDir: '/opt/ComfyUI',
  // Launch flags from the seed's launcher (fp16, preview off for batch work); ai-dock passes COMFYUI_ARGS through.
  env: { WEB_ENABLE_AUTH: 'true', COMFYUI_ARGS: '--disable-auto-launch --preview-method none', AUTO_UPDATE: 'false' },
  ports: [{ port: 8188, protocol: 'http' }],
  diskGb: 60,
};

/** `host:external port:internal port:path:name`, the form Vast's own template uses (reference §1.2). */
const VAST_PORTAL_CONFIG = 'localhost:8188:18188:/:ComfyUI';

const VAST_COMFY: ComfyTemplate = {
  image: IMAGE_PINS.vast[0].image,
  tokenEnv: 'OPEN_BUTTON_TOKEN',
  // Vast's own ComfyUI template starts the image this way from onstart (docs/reference/vast.md §3).
  startCommand: 'entrypoint.sh',
  comfyDir: '/workspace/ComfyUI',
  // The image starts ComfyUI and fronts it with its token proxy only for apps named in PORTAL_CONFIG, and sets no
  // default: without this line ComfyUI skips its start and nothing answers on 8188 (reference §1.2).
  env: { ENABLE_AUTH: 'true', COMFYUI_ARGS: '--disable-auto-launch --port 18188 --preview-method none', PORTAL_CONFIG: VAST_PORTAL_CONFIG },
  ports: [{ port: 8188, protocol: 'http' }],
  diskGb: 60,
};

export const TEMPLATES: Record<CloudProviderName, ComfyTemplate> = {
  runpod: AI_DOCK,
  vast: VAST_COMFY,
  lambda: AI_DOCK,
  paperspace: AI_DOCK,
};

/**
 * The template gpuburst builds a machine from; undefined for a ComfyUI server the user already runs (`local`), which
 * gets no image, no token, no agent and no kill switch, holds one pod, and is released rather than ended. The
 * session code asks this instead of comparing provider names.
 */
export function templateFor(provider: ProviderName): ComfyTemplate | undefined {
  return provider === 'local' ? undefined : TEMPLATES[provider];
}

/** Folders the agent uses, inside the container. */
export function agentPaths(t: ComfyTemplate): { ioDir: string; modelsDir: string } {
  return { ioDir: `${t.comfyDir}/input/gpuburst`, modelsDir: `${t.comfyDir}/models` };
}
