/**
 * gpuburst's machine ↔ Vast's instance. MachineSpec → the body of `PUT /asks/{id}/` (docs/reference/vast.md §3), checked against Vast's input limits so a spec that
 * cannot fit fails here with a clear message instead of being cut short on the machine.
 *
 * How ComfyUI and the boot script both run: the image's own start is what runs ComfyUI behind its auth proxy.
 * - No boot script: `runtype: "args"` keeps the image's ENTRYPOINT and CMD untouched.
 * - A boot script: Vast runs `onstart` only under its own entrypoint (ssh/jupyter runtypes), which replaces the
 *   image's (docs/reference/vast.md §3 "Runtype semantics", §10.4). So `onstart` runs the boot script, then hands over to the
 *   image's start command, as Vast's own ComfyUI template does (`onstart: entrypoint.sh`). That needs
 *   `spec.imageStartCommand`; without it we refuse rather than start a machine whose ComfyUI never comes up.
 */
import { BadInputError } from '../errors';
import type { Machine, MachineSpec } from '../types';
import type { CreateBody, VastInstance } from './api';
import { gpuName, machineStatus } from './mapping';

/** Env marker holding the session id; Vast echoes it back in `extra_env` (docs/reference/vast.md §9). */
const SESSION_ENV = 'GPUBURST_SESSION';

/** `x-input-validation` of create_instance.yaml (docs/reference/vast.md §3). */
export const VAST_LIMITS = {
  imageChars: 1024,
  /** args + args_str + onstart together. */
  onstartChars: 4096,
  labelChars: 256,
  /** One env entry, counted as KEY=VALUE (the spec does not say whether the key counts; the stricter reading). */
  envEntryChars: 256,
  envTotalChars: 32768,
  minDiskGb: 8,
  minBidUsd: 0.001,
  maxBidUsd: 128,
};

export interface CreateBodyOptions {
  bootRuntype: string;
  bidUsdPerHour?: number;
}

/** The label is our marker; a name longer than Vast allows is shortened only to that limit. */
export function labelFor(name: string): string {
  return name.slice(0, VAST_LIMITS.labelChars);
}

export function createBody(spec: MachineSpec, opts: CreateBodyOptions): CreateBody {
  const fail = (why: string) => new BadInputError(`vast: machine ${spec.name}: ${why}`, { provider: 'vast' });
  if (!spec.image || spec.image.length > VAST_LIMITS.imageChars) throw fail(`the image name must be 1–${VAST_LIMITS.imageChars} characters`);

  const env: Record<string, string> = {};
  // Port mappings are keys of the env dict (docs/reference/vast.md §3 "env format").
  for (const p of spec.ports) env[`-p ${p.port}:${p.port}`] = '1';
  for (const [k, v] of Object.entries(spec.env)) {
    if (k.startsWith('-')) throw fail(`env name "${k}" looks like a docker flag; only plain variable names are accepted`);
    env[k] = v;
  }
  env[SESSION_ENV] = spec.sessionId;
  let total = 0;
  for (const [k, v] of Object.entries(env)) {
    const size = k.length + 1 + v.length;
    total += size;
    // Name the variable, never its value (it may be a token).
    if (size > VAST_LIMITS.envEntryChars) throw fail(`env ${k} is ${size} characters as KEY=VALUE; Vast allows ${VAST_LIMITS.envEntryChars} per entry`);
  }
  if (total > VAST_LIMITS.envTotalChars) throw fail(`the environment totals ${total} characters; Vast allows ${VAST_LIMITS.envTotalChars}`);

  const body: CreateBody = {
    client_id: 'me',
    image: spec.image,
    label: labelFor(spec.name),
    disk: Math.max(VAST_LIMITS.minDiskGb, spec.diskGb),
    env,
    runtype: 'args',
    cancel_unavail: true,
  };
  if (spec.bootScript?.trim()) {
    if (!spec.imageStartCommand?.trim()) {
      throw fail("a boot script needs spec.imageStartCommand on Vast: onstart runs only under Vast's entrypoint, which replaces the image's, so ComfyUI would never start");
    }
    body.runtype = opts.bootRuntype;
    body.onstart = onstartScript(spec.bootScript, spec.imageStartCommand);
    if (body.onstart.length > VAST_LIMITS.onstartChars) {
      throw fail(`the boot script plus start command is ${body.onstart.length} characters; Vast allows ${VAST_LIMITS.onstartChars} for onstart (shorten the watchdog launcher)`);
    }
  }
  if (opts.bidUsdPerHour !== undefined) {
    if (opts.bidUsdPerHour < VAST_LIMITS.minBidUsd || opts.bidUsdPerHour > VAST_LIMITS.maxBidUsd) {
      throw fail(`bid ${opts.bidUsdPerHour} $/h is outside Vast's ${VAST_LIMITS.minBidUsd}–${VAST_LIMITS.maxBidUsd}`);
    }
    // A price makes the rental interruptible (docs/reference/vast.md §3).
    body.price = opts.bidUsdPerHour;
  }
  return body;
}

/** The boot script in a subshell (its `exit` or `set -e` cannot stop the hand-over), then the image's start. */
function onstartScript(bootScript: string, imageStartCommand: string): string {
  return `(\n${bootScript.trim()}\n)\nexec ${imageStartCommand.trim()}\n`;
}

/** ComfyUI base URL: `http://{public_ipaddr.trim()}:{ports["8188/tcp"][0].HostPort}` (docs/reference/vast.md §5). */
function endpointOf8188(inst: VastInstance, comfyPort: number): string | undefined {
  const host = inst.public_ipaddr?.trim();
  const hostPort = inst.ports?.[`${comfyPort}/tcp`]?.[0]?.HostPort;
  return host && hostPort ? `http://${host}:${String(hostPort).trim()}` : undefined;
}

function envOf(inst: VastInstance): Record<string, string> {
  const raw = inst.extra_env;
  if (!raw) return {};
  if (Array.isArray(raw)) return Object.fromEntries(raw.filter((p) => Array.isArray(p) && p.length >= 2).map(([k, v]) => [String(k), String(v)]));
  return raw;
}

export function toMachine(inst: VastInstance, comfyPort: number): Machine {
  const status = machineStatus(inst);
  const stopped = status === 'stopped';
  const storageUsdPerHour = ((inst.disk_space ?? 0) * (inst.storage_cost ?? 0)) / (30 * 24);
  return {
    provider: 'vast',
    id: String(inst.id),
    name: inst.label ?? '',
    sessionId: envOf(inst)[SESSION_ENV],
    status,
    providerStatus: inst.actual_status ?? 'provisioning',
    gpu: inst.gpu_name ? gpuName(inst.gpu_name, inst.gpu_ram) : undefined,
    gpuCount: inst.num_gpus,
    // Stopped instances still pay for their disk (docs/reference/vast.md §6).
    usdPerHour: stopped ? storageUsdPerHour : inst.dph_total,
    endpoint: status === 'running' ? endpointOf8188(inst, comfyPort) : undefined,
    region: inst.geolocation?.trim() || undefined,
    createdAt: inst.start_date ? new Date(inst.start_date * 1000).toISOString() : undefined,
    message: status === 'failed' ? inst.status_msg?.trim() || undefined : undefined,
  };
}
