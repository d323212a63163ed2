/**
 * Shape checks of `InstanceLaunchRequest` (lambda.md §3, OAS v1.10.0). The schema does not forbid extra fields
 * (the spec's own example still sends `quantity`), so unknown fields pass; `quantity` > 1 is refused as the real
 * API does ("Requested too many instances."). Lookups (region, type, key, rulesets, capacity) happen in the route.
 */
import { invalidParameters } from './errors';

export interface LaunchParams {
  regionName: string;
  typeName: string;
  sshKeyName: string;
  name?: string;
  hostname?: string;
  tags: { key: string; value: string }[];
  userData?: string;
  rulesetIds: string[];
  fileSystemNames: string[];
}

/** "cannot exceed 1MB in size" */
export const USER_DATA_MAX_BYTES = 1024 * 1024;
const TAG_KEY = /^[a-z][a-z0-9-:]+$/;
const HOSTNAME = /^[a-z0-9][0-9a-z-]{0,62}$/;

export function parseLaunch(body: Record<string, unknown>): LaunchParams {
  const { region_name, instance_type_name, ssh_key_names, name, hostname, tags, user_data, firewall_rulesets, file_system_names, image, quantity } = body;
  if (typeof region_name !== 'string') throw invalidParameters('region_name: field required.');
  if (typeof instance_type_name !== 'string') throw invalidParameters('instance_type_name: field required.');
  if (!Array.isArray(ssh_key_names) || !ssh_key_names.every((k) => typeof k === 'string')) throw invalidParameters('ssh_key_names: field required.');
  if (ssh_key_names.length !== 1) throw invalidParameters('ssh_key_names: exactly one SSH key must be specified.');
  if (quantity !== undefined && quantity !== null) {
    if (!Number.isInteger(quantity) || (quantity as number) < 1) throw invalidParameters('quantity: Input should be a positive integer.');
    if ((quantity as number) > 1) throw invalidParameters('Requested too many instances.');
  }
  if (name !== undefined && name !== null && (typeof name !== 'string' || name.length > 64)) throw invalidParameters('name: Must be 64 characters or fewer.');
  if (hostname !== undefined && hostname !== null && (typeof hostname !== 'string' || !HOSTNAME.test(hostname))) {
    throw invalidParameters('hostname: must match ^[a-z0-9][0-9a-z-]{0,62}$.');
  }
  if (user_data !== undefined && user_data !== null) {
    if (typeof user_data !== 'string') throw invalidParameters('user_data: must be a plain-text string.');
    if (Buffer.byteLength(user_data, 'utf8') > USER_DATA_MAX_BYTES) throw invalidParameters('user_data: cannot exceed 1MB in size.');
  }
  if (image !== undefined && image !== null) checkImage(image);
  return {
    regionName: region_name,
    typeName: instance_type_name,
    sshKeyName: ssh_key_names[0] as string,
    name: (name as string | null | undefined) ?? undefined,
    hostname: (hostname as string | null | undefined) ?? undefined,
    tags: parseTags(tags),
    userData: (user_data as string | null | undefined) ?? undefined,
    rulesetIds: parseRulesetRefs(firewall_rulesets),
    fileSystemNames: parseStrings(file_system_names, 'file_system_names'),
  };
}

function parseTags(value: unknown): LaunchParams['tags'] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalidParameters('tags: must be a list of {key, value}.');
  return value.map((t, i) => {
    const { key, value: v } = (t ?? {}) as Record<string, unknown>;
    if (typeof key !== 'string' || key.length > 55 || !TAG_KEY.test(key)) throw invalidParameters(`tags[${i}].key: must match ^[a-z][a-z0-9-:]+$ (at most 55 characters).`);
    if (typeof v !== 'string' || v.length > 128) throw invalidParameters(`tags[${i}].value: must be a string of at most 128 characters.`);
    return { key, value: v };
  });
}

function parseRulesetRefs(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalidParameters('firewall_rulesets: must be a list of {id}.');
  return value.map((r, i) => {
    const id = (r as { id?: unknown } | null)?.id;
    if (typeof id !== 'string') throw invalidParameters(`firewall_rulesets[${i}].id: field required.`);
    return id;
  });
}

function parseStrings(value: unknown, field: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((s) => typeof s === 'string')) throw invalidParameters(`${field}: must be a list of strings.`);
  return value as string[];
}

function checkImage(image: unknown): void {
  const o = image as Record<string, unknown>;
  const byId = typeof o?.id === 'string';
  const byFamily = typeof o?.family === 'string';
  if (typeof image !== 'object' || byId === byFamily) throw invalidParameters('image: give exactly one of {"id"} or {"family"}.');
}
