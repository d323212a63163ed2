/**
 * `SessionRequest`: what a render session is asked to do, checked and defaulted in this one place for every way in —
 * `gpuburst run` flags, the batch file's session defaults, the Pulumi stack config and RenderSession args, a journal
 * read back by `resume`. Callers hand raw values to `parseSessionRequest` (or `buildSessionRequest`, which merges
 * flag > batch file > default first); a bad value is one BadInputError line naming it as the user wrote it.
 */
import path from 'path';
import { z } from 'zod';
import { BadInputError, UnsupportedError } from '../../providers/errors';
import { capabilitiesOf } from '../../providers/index';
import { CLOUD_PROVIDERS } from '../../providers/types';
import { isHttpUrl } from '../../providers/http-url';
import { profileNames } from '../estimate/profiles';

export const REQUEST_PROVIDERS = ['auto', 'runpod', 'vast', 'lambda', 'paperspace', 'local'] as const;
export const MAX_PODS = 64;
/** The watchdog's windows: one day at most, any fraction above zero (tests use 0.05). */
export const MAX_WATCHDOG_MINUTES = 24 * 60;
export const DEFAULT_WATCHDOG_MINUTES = 10;

/** What each check accepts, as the error message says it. */
const ACCEPTED = {
  batchFile: 'the absolute path of a batch file (YAML)',
  provider: REQUEST_PROVIDERS.join(', '),
  gpu: 'a GPU name such as "RTX 4090"',
  pods: `a whole number from 1 to ${MAX_PODS}`,
  usd: 'a number > 0, e.g. 2.5',
  bool: 'true or false',
  minutes: `a number > 0 and ≤ ${MAX_WATCHDOG_MINUTES} (minutes), e.g. 10 or 0.5`,
  teardown: 'terminate, stop',
  folder: 'an absolute folder path',
  url: 'a ComfyUI URL such as http://127.0.0.1:8188',
  cache: '1–60 characters, a letter first, then letters, digits and dashes (e.g. models-sdxl)',
  region: 'a RunPod data center such as EU-RO-1 or a Lambda region such as us-east-1',
};

// Command lines and stack config give strings; numbers and booleans are read from them here, nowhere else.
const decimal = (dollar: boolean) => (v: unknown) => {
  if (typeof v !== 'string') return v;
  const text = dollar ? v.trim().replace(/^\$/, '') : v.trim();
  return /^(\d+(\.\d+)?|\.\d+)$/.test(text) ? Number(text) : v;
};
const whole = (v: unknown) => (typeof v === 'string' && /^\+?\d+$/.test(v.trim()) ? Number(v.trim()) : v);
const boolean = (v: unknown) => (v === 'true' ? true : v === 'false' ? false : v);

const usd = z.preprocess(decimal(true), z.number({ error: ACCEPTED.usd }).positive({ error: ACCEPTED.usd }));
const minutes = z.preprocess(decimal(false), z.number({ error: ACCEPTED.minutes }).positive({ error: ACCEPTED.minutes }).max(MAX_WATCHDOG_MINUTES, { error: ACCEPTED.minutes }));
const flag = z.preprocess(boolean, z.boolean({ error: ACCEPTED.bool }));
const absolute = (what: string) => z.string({ error: what }).trim().min(1, { error: what }).refine((p) => path.isAbsolute(p), { error: what });

const SessionRequestSchema = z.object({
  batchFile: absolute(ACCEPTED.batchFile),
  /** `auto`: the cheapest estimate across the clouds with a key. */
  provider: z.enum(REQUEST_PROVIDERS, { error: ACCEPTED.provider }).default('auto'),
  gpu: z.string({ error: ACCEPTED.gpu }).trim().min(1, { error: ACCEPTED.gpu }).optional(),
  pods: z.preprocess(whole, z.number({ error: ACCEPTED.pods }).int({ error: ACCEPTED.pods }).min(1, { error: ACCEPTED.pods }).max(MAX_PODS, { error: ACCEPTED.pods })).default(1),
  /** Budget: refused before renting when the estimate is higher; queueing stops before spend passes it. */
  maxCostUsd: usd.optional(),
  maxUsdPerHour: usd.optional(),
  interruptible: flag.default(false),
  /** Estimator profile; inferred from the batch's checkpoint when absent (the journal keeps the one used). */
  model: z.string({ error: () => profileNames().join(', ') }).refine((m) => profileNames().includes(m), { error: () => profileNames().join(', ') }).optional(),
  /** Output root; the session's files go to `<outDir>/<session>/<workflow>/`. Absent: the batch file's `output`. */
  outDir: absolute(ACCEPTED.folder).optional(),
  teardown: z.enum(['terminate', 'stop'], { error: ACCEPTED.teardown }).default('terminate'),
  /** false: a session that succeeded leaves its machines up (Pulumi `autoTeardown: false`); failures still end them. */
  teardownOnSuccess: flag.default(true),
  idleMinutes: minutes.default(DEFAULT_WATCHDOG_MINUTES),
  heartbeatMinutes: minutes.default(DEFAULT_WATCHDOG_MINUTES),
  /** Hand the account key to machines of clouds without a machine-scoped key, so their watchdog can end them. */
  remoteKey: flag.default(true),
  /** Provider `local` only: the ComfyUI servers the user runs. */
  comfyUrls: z.array(z.string({ error: ACCEPTED.url }).refine(isHttpUrl, { error: ACCEPTED.url }), { error: ACCEPTED.url }).default([]),
  /**
   * A model cache by name (RunPod network volume, Lambda filesystem): machines are placed in its region and keep
   * models on it; created if missing (in `cacheRegion`), never deleted by a session or sweep.
   */
  cache: z.string({ error: ACCEPTED.cache }).trim().regex(/^[a-zA-Z][0-9a-zA-Z-]{0,59}$/, { error: ACCEPTED.cache }).optional(),
  cacheRegion: z.string({ error: ACCEPTED.region }).trim().regex(/^[A-Za-z0-9-]{2,40}$/, { error: ACCEPTED.region }).optional(),
  /** Against simulators (`--simulate`, `gpuburst sim`): nothing is billed, nothing is measured for calibration. */
  simulated: flag.default(false),
});

export type SessionRequest = z.output<typeof SessionRequestSchema>;
export type RequestField = keyof SessionRequest;
/** Raw values by field, as a user or a caller gave them (strings are read as numbers or booleans where needed). */
export type RawRequest = Partial<Record<RequestField, unknown>>;
/** How the user names a field where the values came from: `--heartbeat-minutes`, `gpuburst:heartbeatMinutes`. */
export type FieldNames = (field: RequestField) => string;

const REQUEST_FIELDS = Object.keys(SessionRequestSchema.shape) as RequestField[];
const plainNames: FieldNames = (field) => field;

/** Checks and defaults `raw` (unknown keys are ignored); throws one BadInputError line naming the first bad value. */
export function parseSessionRequest(raw: RawRequest, names: FieldNames = plainNames): SessionRequest {
  const parsed = SessionRequestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path[0] as RequestField;
    const value = issue.path.reduce<unknown>((v, key) => (v as Record<PropertyKey, unknown> | undefined)?.[key as PropertyKey], raw);
    const shown = value === undefined ? 'missing' : `${typeof value === 'string' ? `"${value}"` : JSON.stringify(value)} is not accepted`;
    throw new BadInputError(`${names(field)}: ${shown}; accepted: ${issue.message}`);
  }
  checkTogether(parsed.data, names);
  const r = parsed.data;
  // Your own servers are all there to use: one machine per --comfy-url unless --pods says fewer.
  if (r.provider === 'local' && raw.pods === undefined) r.pods = Math.min(r.comfyUrls.length, MAX_PODS);
  if (r.provider === 'local' && r.pods > r.comfyUrls.length) {
    throw new BadInputError(`${names('pods')}: ${r.pods} is more than the ${r.comfyUrls.length} server(s) given with ${names('comfyUrls')}; with ${names('provider')} local each machine is one of your servers`);
  }
  return r;
}

/** Rules that tie fields together (issue 12: comfy URLs with a cloud provider would rent a cloud GPU). */
function checkTogether(r: SessionRequest, names: FieldNames): void {
  const local = r.provider === 'local';
  if (local && r.comfyUrls.length === 0) throw new BadInputError(`${names('provider')} local needs ${names('comfyUrls')} http://127.0.0.1:8188 (once per server)`);
  if (!local && r.comfyUrls.length > 0) {
    throw new BadInputError(`${names('comfyUrls')} drives ComfyUI servers you already run, which needs ${names('provider')} local (the provider here is ${r.provider}, which rents a cloud GPU)`);
  }
  if (r.cacheRegion !== undefined && r.cache === undefined) throw new BadInputError(`${names('cacheRegion')} names where a new cache goes; it needs ${names('cache')} <name>`);
  if (r.cache !== undefined && (local || r.provider === 'auto')) {
    const keeping = CLOUD_PROVIDERS.filter((c) => capabilitiesOf(c).modelCache.supported).join(' or ');
    throw new BadInputError(`${names('cache')} ${r.cache}: a model cache lives at one cloud; it needs ${names('provider')} ${keeping} (the provider here is ${r.provider})`);
  }
  // Known without a key (the adapter's capabilities): said before a missing key is, and before anything is asked.
  if (r.cache !== undefined && !local && r.provider !== 'auto') {
    const cache = capabilitiesOf(r.provider).modelCache;
    if (!cache.supported) throw new UnsupportedError(`${r.provider}: no model cache: ${cache.reason}`, { provider: r.provider });
  }
  if (local && r.simulated) throw new BadInputError(`${names('simulated')} simulates the clouds; with ${names('provider')} local gpuburst drives your own servers`);
}

/** Only the request's own fields of a larger options object, undefined ones left out. */
export function requestFields(o: object): RawRequest {
  const out: RawRequest = {};
  for (const f of REQUEST_FIELDS) {
    const v = (o as Record<string, unknown>)[f];
    if (v !== undefined) out[f] = v;
  }
  return out;
}
