/**
 * Validation of `PUT /api/v0/asks/{id}/` bodies against Vast's own create_instance description (fields, types,
 * enums and its `x-input-validation` limits, checked by ajv from the snapshot in ../api-schemas). Unknown fields are
 * accepted, as the description does not forbid them: the official CLI and dstack send `client_id`, `extra`,
 * `create_from` and Vast takes them (docs/reference/vast.md §3). Two things Vast accepts that the description leaves out are let
 * through on purpose: `null` for unset fields and `env` as a dict, both what Vast's own CLI sends (docs/reference/vast.md §3).
 * The limits the schema cannot say (args + onstart together, each env entry) are checked here.
 */
import { checkRequest } from '../api-schemas';

const CREATE_LIMITS = {
  argsOnstartChars: 4096,
  envEntryChars: 256,
  envTotalChars: 32768,
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

const isObject = (v: unknown): v is Body => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A checked request, or the `msg` of a 400 invalid_args. */
export function parseCreate(raw: unknown): CreateRequest | string {
  if (!isObject(raw)) return 'Invalid args: the body must be a JSON object';
  if (raw.image == null && typeof raw.template_hash_id === 'string') return 'Invalid args: template_hash_id is not known to this simulator';
  const described: Body = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== null));
  if (isObject(described.env)) described.env = '';
  const problems = checkRequest('vast', 'createInstance', described);
  if (problems.length) return `Invalid args: ${problems.map((p) => `${p.path === '$' ? '' : `${p.path.slice(2)} `}${p.message}`).join('; ')}`;
  const b = described as Body & { image: string };
  if (b.image.trim() === '') return "Invalid args: 'image' is required";
  const args = (b.args as string[] | undefined) ?? null;
  const scriptChars = String(b.onstart ?? '').length + String(b.args_str ?? '').length + (args ?? []).join(' ').length;
  if (scriptChars > CREATE_LIMITS.argsOnstartChars) return `Invalid args: args + args_str + onstart longer than ${CREATE_LIMITS.argsOnstartChars}`;
  const env = parseEnv(raw.env);
  if (typeof env === 'string') return env;
  const hasArgs = args !== null || typeof b.args_str === 'string';
  return {
    image: b.image,
    label: (b.label as string | undefined) ?? null,
    diskGb: (b.disk as number | undefined) ?? 8,
    runtype: (b.runtype as string | undefined) ?? (hasArgs ? 'args' : 'ssh'),
    onstart: (b.onstart as string | undefined) ?? null,
    args,
    env,
    price: b.price as number | undefined,
    cancelUnavail: b.cancel_unavail as boolean | undefined,
    targetState: (b.target_state as 'running' | 'stopped' | undefined) ?? 'running',
  };
}

/** The dict form (port mappings as keys) or the docker-flag string form `-e K=V -p 8188:8188` (docs/reference/vast.md §3). */
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
