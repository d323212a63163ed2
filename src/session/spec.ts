/**
 * The machine spec for one offer: the provider's ComfyUI template, the machine's access token, the session marker,
 * and the agent (models + dead-man's switch) with the kill switch the provider's adapter describes.
 */
import { resolveImage } from '../../providers/images';
import type { CacheMount, CloudProviderName, KillSwitch, MachineSpec, Offer } from '../../providers/types';
import { AGENT_BOOT_SCRIPT, agentEnv, AgentSettings, CHUNK_CHARS_BY_PROVIDER } from './agent/config';
import { agentPaths, TEMPLATES } from './templates';

export interface SpecInput {
  provider: CloudProviderName;
  offer: Offer;
  sessionId: string;
  name: string;
  token: string;
  agent: AgentSettings;
  /** Undefined when the machine cannot end itself (no remote key given for an account-key provider). */
  killSwitch?: KillSwitch;
  maxLifetimeHours?: number;
  /** The batch's `comfyui:` version; undefined: the provider's default pin. */
  comfyuiVersion?: string;
  /** A model cache to attach; the agent keeps models in `<mountPath>/gpuburst-models` (docs/models.md). */
  cache?: CacheMount;
  /** Where GPUBURST_<CLOUD>_IMAGE is read. @default process.env */
  env?: Record<string, string | undefined>;
}

export function buildSpec(i: SpecInput): MachineSpec {
  const t = TEMPLATES[i.provider];
  const paths = agentPaths(t);
  return {
    name: i.name,
    sessionId: i.sessionId,
    offerId: i.offer.offerId,
    // The pin this GPU can run (providers/images.ts); plan.ts already dropped offers it cannot.
    image: resolveImage({ provider: i.provider, gpu: i.offer.gpu, comfyuiVersion: i.comfyuiVersion, env: i.env ?? process.env }).image,
    env: {
      ...t.env,
      [t.tokenEnv]: i.token,
      GPUBURST_SESSION: i.sessionId,
      GPUBURST_IO_DIR: paths.ioDir,
      GPUBURST_MODELS_DIR: paths.modelsDir,
      ...(i.cache ? { GPUBURST_CACHE_DIR: cacheDir(i.cache) } : {}),
      ...agentEnv(i.agent, i.name, i.killSwitch, CHUNK_CHARS_BY_PROVIDER[i.provider]),
    },
    ports: t.ports,
    diskGb: t.diskGb,
    bootScript: AGENT_BOOT_SCRIPT,
    imageStartCommand: t.startCommand,
    // A VM's container sees the cache at the same path, so links from the models folder resolve inside it.
    sharedPaths: [paths.ioDir, paths.modelsDir, ...(i.cache ? [i.cache.mountPath] : [])],
    maxLifetimeHours: i.maxLifetimeHours,
    ...(i.cache ? { cache: i.cache } : {}),
  };
}

/** The agent's models folder on a cache: one folder, so the volume can hold other things of the user's too. */
export function cacheDir(cache: CacheMount): string {
  return `${cache.mountPath.replace(/\/+$/, '')}/gpuburst-models`;
}
