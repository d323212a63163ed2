/**
 * gpuburst's machine ↔ RunPod's pod: MachineSpec → v2 `CreatePodRequest` (docs/reference/runpod.md §3.1) and Pod → Machine. The body carries only fields the v2 schema knows:
 * it sets `unevaluatedProperties: false`, so anything else is a 422.
 *
 * How the boot script runs before the image's own start: v2 `args` are the "arguments passed to the container
 * entrypoint", i.e. they replace the image's CMD and keep its ENTRYPOINT (the GraphQL `dockerArgs` did the same:
 * an empty value overrides the image's `/start.sh`, docs/reference/runpod.md §10 item 4). So we leave `args` unset when there is
 * no boot script, and otherwise send `bash -c '<decode and run the boot script>; exec <imageStartCommand>'`. That
 * runs as the image's CMD: directly when the image has no ENTRYPOINT, or through an entrypoint that ends in
 * `exec "$@"` (ai-dock's does). The script travels base64-encoded, so no quote or newline in it can break the
 * `args` string, whose splitting RunPod does not document. The boot script's failure does not stop ComfyUI
 * from starting (`;`, not `&&`): the client still tears the pod down.
 */
import { BadInputError } from '../errors';
import { Machine, MACHINE_NAME_PREFIX, MachineSpec } from '../types';
import type { CreatePodRequest, Pod } from './api';
import { gpuName, machineStatus } from './mapping';
import type { OfferRef } from './offers';

const COMFY_PORT = 8188;

/** Env marker holding the session id: RunPod has no labels, and `env` is returned by every read (docs/reference/runpod.md §9). */
const SESSION_ENV = 'GPUBURST_SESSION';
/** RunPod's docs limit a pod to 50 environment variables (docs/reference/runpod.md §8). */
const MAX_ENV_VARS = 50;

export function createBody(spec: MachineSpec, offer: OfferRef): CreatePodRequest {
  if (!spec.name.startsWith(MACHINE_NAME_PREFIX)) {
    throw new BadInputError(`runpod: machine name "${spec.name}" must start with "${MACHINE_NAME_PREFIX}"`, { provider: 'runpod' });
  }
  // RunPod injects RUNPOD_POD_ID and the pod-scoped RUNPOD_API_KEY; a spec value could shadow them and hand the
  // watchdog a different key (worst case the account key), so refuse the whole namespace.
  const reserved = Object.keys(spec.env).filter((k) => k.startsWith('RUNPOD_'));
  if (reserved.length > 0) {
    throw new BadInputError(`runpod: environment variables ${reserved.join(', ')} are reserved for what RunPod injects into the pod`, { provider: 'runpod' });
  }
  const env = { ...spec.env, [SESSION_ENV]: spec.sessionId };
  if (Object.keys(env).length > MAX_ENV_VARS) {
    throw new BadInputError(`runpod: ${Object.keys(env).length} environment variables; RunPod accepts at most ${MAX_ENV_VARS}`, { provider: 'runpod' });
  }
  const body: CreatePodRequest = {
    name: spec.name,
    image: spec.image,
    gpu: { id: offer.gpuTypeId, count: offer.count },
    cloud: offer.cloud,
    disk: spec.diskGb,
    env,
    ports: spec.ports.map((p) => `${p.port}/${p.protocol}`),
  };
  const args = containerArgs(spec);
  if (args !== undefined) body.args = args;
  // A network volume is usable only from its own data center: the pod is placed there or not at all.
  if (spec.cache) {
    body.dataCenterIds = [spec.cache.region];
    body.mounts = { network: [{ volumeId: spec.cache.id, path: spec.cache.mountPath }] };
  }
  return body;
}

export function containerArgs(spec: Pick<MachineSpec, 'bootScript' | 'imageStartCommand'>): string | undefined {
  if (!spec.bootScript) return undefined;
  if (!spec.imageStartCommand?.trim()) {
    throw new BadInputError('runpod: a boot script needs spec.imageStartCommand, because RunPod `args` replace the image start command', { provider: 'runpod' });
  }
  const encoded = Buffer.from(spec.bootScript, 'utf8').toString('base64');
  return `bash -c ${shellQuote(`echo ${encoded} | base64 -d | bash; exec ${spec.imageStartCommand.trim()}`)}`;
}

/** POSIX single-quoting: the one character that needs care inside '…' is ' itself. */
function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** `proxyUrl` is the endpoint template with {podId} and {port}. */
export function toMachine(pod: Pod, proxyUrl: string): Machine {
  const status = machineStatus(pod.status);
  const machine: Machine = {
    provider: 'runpod',
    id: pod.id,
    name: pod.name,
    sessionId: pod.env?.[SESSION_ENV],
    status,
    providerStatus: pod.status,
    gpu: pod.gpu ? gpuName(pod.gpu.id) : undefined,
    gpuCount: pod.gpu?.count,
    usdPerHour: pod.cost,
    region: pod.dataCenterId ?? undefined,
    createdAt: pod.createdAt,
  };
  // RunPod publishes port mappings only once the container runs, sometimes a while after RUNNING (§4.4).
  if (status === 'running' && pod.runtime?.ports?.some((p) => p.private === COMFY_PORT)) machine.endpoint = endpointOf(pod.id, proxyUrl);
  if (pod.status === 'ERROR') machine.message = 'RunPod reports the container in an unrecoverable error state';
  return machine;
}

/** What getMachine returns once v2 forgets a deleted pod (404, docs/reference/runpod.md §7.3). */
export function goneMachine(id: string): Machine {
  return { provider: 'runpod', id, name: '', status: 'terminated', providerStatus: 'TERMINATED' };
}

function endpointOf(podId: string, proxyUrl: string): string {
  return proxyUrl.replace(/\{podId\}/g, podId).replace(/\{port\}/g, String(COMFY_PORT)).replace(/\/+$/, '');
}
