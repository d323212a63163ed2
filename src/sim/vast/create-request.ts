/**
 * Validation of `PUT /api/v0/asks/{id}/` bodies against create_instance.yaml (fields, enums, `x-input-validation`
 * limits). Unknown fields are accepted: the official CLI and dstack send fields the spec does not list
 * (`client_id`, `extra`, `create_from`) and Vast takes them (vast.md §3).
 */
export const RUNTYPES = ['ssh', 'jupyter', 'args', 'ssh_proxy', 'ssh_direct', 'jupyter_proxy', 'jupyter_direct'] as const;

export const CREATE_LIMITS = {
  imageChars: 1024,
  argsOnstartChars: 4096,
  labelChars: 256,
  envEntryChars: 256,
  envTotalChars: 32768,
  minDiskGb: 8,
  minPrice: 0.001,
  maxPrice: 128,
};

export interface CreateRequest {
  image: string;
  label: string | null;
  diskGb: number;
  runtype: string;
  onstart: string | null;
  args: string[] | null;
  /** Env and port keys as Vast stores them (`extra_env`): `{"K":"V","-p 8188:8188":"1"}`. */
  env: Record<string, string>;
  price?: number;
  cancelUnavail?: boolean;
  targetState: 'running' | 'stopped';
}

type Body = Record<string, unknown>;

/** A checked request, or the `msg` of a 400 invalid_args. */
export function parseCreate(raw: unknown): CreateRequest | string {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return 'Invalid args: the body must be a JSON object';
  const b = raw as Body;
  if (typeof b.image !== 'string' || b.image.trim() === '') {
    return typeof b.template_hash_id === 'string' ? 'Invalid args: template_hash_id is not known to this simulator' : "Invalid args: 'image' is required";
  }
  if (b.image.length > CREATE_LIMITS.imageChars) return `Invalid args: image longer than ${CREATE_LIMITS.imageChars}`;
  if (b.label != null && (typeof b.label !== 'string' || b.label.length > CREATE_LIMITS.labelChars)) return 'Invalid args: label_too_long';
  const disk = b.disk ?? 8;
  if (typeof disk !== 'number' || disk < CREATE_LIMITS.minDiskGb) return `Invalid args: disk must be a number >= ${CREATE_LIMITS.minDiskGb}`;
  const args = b.args == null ? null : b.args;
  if (args !== null && (!Array.isArray(args) || args.some((a) => typeof a !== 'string'))) return 'Invalid args: args must be a list of strings';
  for (const k of ['onstart', 'args_str'] as const) if (b[k] != null && typeof b[k] !== 'string') return `Invalid args: ${k} must be a string`;
  const scriptChars = String(b.onstart ?? '').length + String(b.args_str ?? '').length + (args ?? []).join(' ').length;
  if (scriptChars > CREATE_LIMITS.argsOnstartChars) return `Invalid args: args + args_str + onstart longer than ${CREATE_LIMITS.argsOnstartChars}`;
  const hasArgs = args !== null || typeof b.args_str === 'string';
  const runtype = b.runtype ?? (hasArgs ? 'args' : 'ssh');
  if (!(RUNTYPES as readonly string[]).includes(String(runtype))) return `Invalid args: runtype must be one of ${RUNTYPES.join(', ')}`;
  const env = parseEnv(b.env);
  if (typeof env === 'string') return env;
  if (b.price != null && (typeof b.price !== 'number' || b.price < CREATE_LIMITS.minPrice || b.price > CREATE_LIMITS.maxPrice)) {
    return `Invalid args: price must be between ${CREATE_LIMITS.minPrice} and ${CREATE_LIMITS.maxPrice}`;
  }
  if (b.cancel_unavail != null && typeof b.cancel_unavail !== 'boolean') return 'Invalid args: cancel_unavail must be a boolean';
  const target = b.target_state ?? 'running';
  if (target !== 'running' && target !== 'stopped') return 'Invalid args: target_state must be running or stopped';
  return {
    image: b.image,
    label: (b.label as string | null | undefined) ?? null,
    diskGb: disk,
    runtype: String(runtype),
    onstart: (b.onstart as string | null | undefined) ?? null,
    args: args as string[] | null,
    env,
    price: b.price == null ? undefined : (b.price as number),
    cancelUnavail: b.cancel_unavail as boolean | undefined,
    targetState: target,
  };
}

/** The dict form (port mappings as keys) or the docker-flag string form `-e K=V -p 8188:8188` (vast.md §3). */
function parseEnv(raw: unknown): Record<string, string> | string {
  let env: Record<string, string> = {};
  if (raw == null) env = {};
  else if (typeof raw === 'string') env = parseEnvFlags(raw);
  else if (typeof raw === 'object' && !Array.isArray(raw)) {
    for (const [k, v] of Object.entries(raw as Body)) {
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') return `Invalid args: env ${k} must be a string`;
      env[k] = String(v);
    }
  } else return 'Invalid args: env must be an object or a docker flag string';
  let total = 0;
  for (const [k, v] of Object.entries(env)) {
    const size = k.length + 1 + v.length;
    total += size;
    if (size > CREATE_LIMITS.envEntryChars) return `Invalid args: env entry ${k} longer than ${CREATE_LIMITS.envEntryChars}`;
  }
  if (total > CREATE_LIMITS.envTotalChars) return `Invalid args: env longer than ${CREATE_LIMITS.envTotalChars} in total`;
  return env;
}

function parseEnvFlags(s: string): Record<string, string> {
  const env: Record<string, string> = {};
  const re = /(-[ep])\s+(\S+)/g;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    if (m[1] === '-p') env[`-p ${m[2]}`] = '1';
    else {
      const eq = m[2].indexOf('=');
      if (eq > 0) env[m[2].slice(0, eq)] = m[2].slice(eq + 1);
    }
  }
  return env;
}

/** Container ports requested with `-p N:N` keys. */
export function requestedPorts(env: Record<string, string>): number[] {
  return Object.keys(env)
    .map((k) => /^-p\s+(\d+):(\d+)(\/tcp)?$/.exec(k)?.[2])
    .filter((p): p is string => Boolean(p))
    .map(Number);
}
