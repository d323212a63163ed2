/**
 * How a gpuburst machine looks on Lambda: the launch request built from a MachineSpec (a VM whose `user_data` runs
 * the ComfyUI container, providers/bootstrap.ts), its name (≤ 64 chars), the tags that mark it as ours (docs/reference/lambda.md
 * §3, §9), and the mapping of a Lambda instance onto `Machine`.
 */
import crypto from 'crypto';
import { vmBootstrapScript } from '../bootstrap';
import { BadInputError } from '../errors';
import { Machine, MACHINE_LABEL, MACHINE_NAME_PREFIX, MachineSpec } from '../types';
import type { LambdaInstance, LambdaTag, LaunchRequest } from './api';
import { gpuInfo, machineStatus } from './mapping';

/** `user_data` "cannot exceed 1MB in size" (docs/reference/lambda.md §3). */
const USER_DATA_MAX_BYTES = 1024 * 1024;
/** Lambda's images log in as `ubuntu` (docs/reference/lambda.md §5). */
const SSH_USER = 'ubuntu';

export interface LaunchPlacement {
  type: string;
  region: string;
  sshKeyName: string;
  firewallRulesets?: { id: string }[];
  imageFamily?: string;
}

export function createBody(spec: MachineSpec, p: LaunchPlacement): LaunchRequest {
  const userData = vmBootstrapScript(spec, { sshUser: SSH_USER });
  const bytes = Buffer.byteLength(userData, 'utf8');
  if (bytes > USER_DATA_MAX_BYTES) throw new BadInputError(`lambda: the boot script is ${bytes} bytes; user_data holds at most 1 MB`, { provider: 'lambda' });
  const body: LaunchRequest = {
    region_name: p.region,
    instance_type_name: p.type,
    ssh_key_names: [p.sshKeyName],
    name: lambdaName(spec.name),
    tags: machineTags(spec.sessionId),
    user_data: userData,
  };
  if (p.firewallRulesets) body.firewall_rulesets = p.firewallRulesets;
  if (p.imageFamily) body.image = { family: p.imageFamily };
  if (spec.cache) body.file_system_names = [spec.cache.name];
  return body;
}

/** Launch `name`: "Must be 64 characters or fewer." (docs/reference/lambda.md §3). */
const NAME_MAX_CHARS = 64;
/** Tag values: maxLength 128; keys match ^[a-z][a-z0-9-:]+$ (docs/reference/lambda.md §3). */
const TAG_VALUE_MAX_CHARS = 128;
const MANAGED_TAG: LambdaTag = { key: 'managed-by', value: MACHINE_LABEL };
const SESSION_TAG_KEY = 'gpuburst-session';

/** The spec's unique name, shortened only when Lambda's limit requires it (a hash keeps it unique). */
export function lambdaName(name: string): string {
  if (name.length <= NAME_MAX_CHARS) return name;
  const hash = crypto.createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, NAME_MAX_CHARS - hash.length - 1)}-${hash}`;
}

function machineTags(sessionId: string): LambdaTag[] {
  if (sessionId.length > TAG_VALUE_MAX_CHARS) {
    throw new BadInputError(`lambda: session id is ${sessionId.length} characters; Lambda tag values hold at most ${TAG_VALUE_MAX_CHARS}`, { provider: 'lambda' });
  }
  return [MANAGED_TAG, { key: SESSION_TAG_KEY, value: sessionId }];
}

export function isOurs(instance: LambdaInstance): boolean {
  const tagged = (instance.tags ?? []).some((t) => t.key === MANAGED_TAG.key && t.value === MANAGED_TAG.value);
  return tagged || (instance.name ?? '').startsWith(MACHINE_NAME_PREFIX);
}

export function toMachine(instance: LambdaInstance, comfyPort: number): Machine {
  const status = machineStatus(instance.status);
  const type = instance.instance_type;
  const gpu = type ? gpuInfo(type.name, type.gpu_description, type.specs?.gpus) : undefined;
  const reachable = instance.status === 'active' || instance.status === 'unhealthy';
  return {
    provider: 'lambda',
    id: instance.id,
    name: instance.name ?? '',
    sessionId: instance.tags?.find((t) => t.key === SESSION_TAG_KEY)?.value,
    status,
    providerStatus: instance.status,
    gpu: gpu?.gpu,
    gpuCount: gpu?.gpuCount,
    usdPerHour: type && status !== 'terminated' ? type.price_cents_per_hour / 100 : 0,
    // The VM's bootstrap publishes ComfyUI (behind its token proxy) on the public IP (docs/reference/lambda.md §5).
    endpoint: reachable && instance.ip ? `http://${instance.ip}:${comfyPort}` : undefined,
    region: instance.region?.name,
    message: messageFor(instance.status),
  };
}

/** What getMachine returns once Lambda no longer knows the id. */
export function goneMachine(id: string): Machine {
  return { provider: 'lambda', id, name: '', status: 'terminated', providerStatus: 'terminated', usdPerHour: 0, message: 'Lambda no longer lists this instance' };
}

function messageFor(status: string): string | undefined {
  if (status === 'unhealthy') return 'Lambda reports the instance unhealthy (failed health checks); it still bills';
  if (status === 'preempted') return 'Lambda preempted the instance';
  return undefined;
}
