/**
 * What a machine is created with, built once for every path (run, resume, the Pulumi steps): the agent's settings,
 * the kill switch the provider's capabilities allow, and the spec. A server the user runs (no template) gets none.
 */
import type { CacheMount, CloudProviderName, KillSwitch, MachineSpec, Offer, Provider } from '../../../providers/types';
import type { PlannedCache } from '../cache';
import type { NodePack } from '../../comfy/batch/nodes';
import type { Batch } from '../../estimate/estimator';
import type { AgentModel, AgentSettings } from '../agent/config';
import type { MachineRecord } from '../journal';
import type { SessionRequest } from '../request';
import { diskGbFor } from '../agent/disk';
import { buildSpec } from '../spec';
import { templateFor } from '../templates';
import { maxLifetimeMinutes } from '../timings';

/** What the plan tells the machines: the batch's models and the estimated session length (for the lifetime cap). */
export interface MachinePlan {
  models: AgentModel[];
  /** Custom node packs installed before the models. */
  nodes?: NodePack[];
  /** Model sizes (HEAD) and the user's disk floor: see ../agent/disk.ts. */
  modelBytes?: (number | undefined)[];
  diskFloorGb?: number;
  /** Download tokens the user allowed on the machines (HF_TOKEN, CIVITAI_TOKEN, `auth:`). */
  tokens?: Record<string, string>;
  estimateSeconds: number;
  /** The batch's shape; with `unknownModel` the estimate cannot bound the machines' lifetime. */
  shape?: Pick<Batch, 'unknownModel'>;
  /** The batch's `comfyui:` version; undefined: the provider's default pin. */
  comfyuiVersion?: string;
  /** The model cache to find or create before the first machine (../cache.ts), and its mount once it exists. */
  cache?: PlannedCache;
  cacheMount?: CacheMount;
}

export function agentSettings(r: SessionRequest, plan: MachinePlan, offer: Offer, agentPollSeconds: number): AgentSettings {
  return {
    heartbeatMinutes: r.heartbeatMinutes,
    idleMinutes: r.idleMinutes,
    // A speed the catalog does not know (a video model) bounds nothing: the longest cap; the budget still holds.
    maxLifetimeMinutes: maxLifetimeMinutes(plan.shape?.unknownModel ? Infinity : plan.estimateSeconds),
    // A GPU slower than its estimate: heartbeats push the cap while prompts end, never past the longest one.
    lifetimeCeilingMinutes: maxLifetimeMinutes(Infinity),
    usdPerHour: offer.usdPerHour,
    // The session's whole budget: heartbeats carry the whole session's spend (./spend), so the two compare.
    budgetUsd: r.maxCostUsd,
    billedBeforeStartSeconds: 0,
    pollSeconds: agentPollSeconds,
    models: plan.models,
    ...(plan.nodes?.length ? { nodes: plan.nodes } : {}),
    ...(plan.tokens && Object.keys(plan.tokens).length ? { tokens: plan.tokens } : {}),
  };
}

/**
 * The provider's kill switch where its capabilities allow one: always with a machine-scoped key, with an account key
 * only when the user lets it go to the machine (`remoteKey`). Undefined: the machine cannot end itself.
 */
function killSwitchFor(provider: Provider, name: string, remoteKey: boolean, accountKey: () => string | undefined): KillSwitch | undefined {
  const via = provider.capabilities().selfTerminate.via;
  if (via === 'machine-scoped-key') return provider.killSwitch({ name });
  if (via === 'account-key' && remoteKey) return provider.killSwitch({ name, remoteKey: accountKey() });
  return undefined;
}

export interface MachineSetup {
  spec: MachineSpec;
  settings: AgentSettings;
  watchdog: MachineRecord['watchdog'];
}

export function machineSetup(i: { request: SessionRequest; plan: MachinePlan; provider: Provider; offer: Offer; sessionId: string; name: string; token?: string; agentPollSeconds: number; accountKey: () => string | undefined }): MachineSetup {
  const settings = agentSettings(i.request, i.plan, i.offer, i.agentPollSeconds);
  const caps = i.provider.capabilities().selfTerminate;
  if (!templateFor(i.offer.provider) || !i.token) {
    const spec: MachineSpec = { name: i.name, sessionId: i.sessionId, offerId: i.offer.offerId, image: '', env: {}, ports: [], diskGb: 0 };
    return { spec, settings, watchdog: { armed: false, via: caps.via } };
  }
  const killSwitch = killSwitchFor(i.provider, i.name, i.request.remoteKey, i.accountKey);
  // The agent's lifetime cap also sets the provider's own timer where one exists (Paperspace auto-shutdown).
  const built = buildSpec({ provider: i.offer.provider as CloudProviderName, offer: i.offer, sessionId: i.sessionId, name: i.name, token: i.token, agent: settings, killSwitch, maxLifetimeHours: settings.maxLifetimeMinutes / 60, comfyuiVersion: i.plan.comfyuiVersion, cache: i.plan.cacheMount });
  const spec = { ...built, diskGb: diskGbFor(i.plan.modelBytes ?? [], i.plan.diskFloorGb ?? built.diskGb) };
  const watchdog = { armed: killSwitch !== undefined, via: killSwitch ? caps.via : 'none', heartbeatMinutes: killSwitch ? settings.heartbeatMinutes : undefined };
  return { spec, settings, watchdog };
}
