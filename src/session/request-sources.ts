/**
 * `buildSessionRequest`: the raw values of one way in (command-line flags, stack config, RenderSession args), merged
 * flag > batch file > default, then checked by the one schema (./request). Errors name the value as its user wrote
 * it: `--heartbeat-minutes`, `gpuburst:heartbeatMinutes`, `RenderSessionArgs.heartbeatMinutes`, `<batch>: budgetUsd`.
 */
import fs from 'fs';
import path from 'path';
import { BadInputError } from '../../providers/errors';
import { resolveGpuNames } from '../catalog/gpu-names';
import { loadCatalog } from '../catalog/load';
import type { BatchFile } from '../comfy/batch/schema';
import { parseBatch } from '../comfy/batch/load';
import { FieldNames, parseSessionRequest, RawRequest, RequestField, SessionRequest } from './request';

/** Where the values come from: the command line, the stack config, or a program's RenderSession args. */
export type RequestOrigin = 'cli' | 'stack' | 'args';

export type BatchDefaults = Pick<BatchFile, 'provider' | 'gpu' | 'budgetUsd' | 'maxUsdPerHour' | 'interruptible' | 'cache' | 'cacheRegion'>;

export interface RequestSources {
  origin: RequestOrigin;
  /** Values the user set, by request field; absent or undefined = not set. `batchFile` and `outDir` may be relative. */
  given: RawRequest;
  /** Relative paths are resolved against it. */
  cwd: string;
  /** GPU names are checked against the catalog it selects; `GPUBURST_SIMULATED=1` (set by `gpuburst sim`) marks a simulated run. */
  env: NodeJS.ProcessEnv;
  /** The batch file's session defaults; read from the batch file when left out. */
  batchDefaults?: BatchDefaults;
}

const CLI_FLAGS: Record<RequestField, string> = {
  batchFile: '<batch>',
  provider: '--provider',
  gpu: '--gpu',
  pods: '--pods',
  maxCostUsd: '--max-cost',
  maxUsdPerHour: '--max-price',
  interruptible: '--interruptible',
  model: '--model',
  outDir: '--out',
  teardown: '--teardown',
  teardownOnSuccess: 'teardown on success',
  idleMinutes: '--idle-minutes',
  heartbeatMinutes: '--heartbeat-minutes',
  remoteKey: '--no-remote-key',
  comfyUrls: '--comfy-url',
  cache: '--cache',
  cacheRegion: '--cache-region',
  simulated: '--simulate',
};
/** Stack config keys and RenderSession args that are spelled differently from the request's field. */
const STACK_KEYS: Partial<Record<RequestField, string>> = { teardownOnSuccess: 'autoTeardown' };
/** The batch file's names for the session defaults it may set. */
const BATCH_KEYS: Partial<Record<RequestField, keyof BatchDefaults>> = { provider: 'provider', gpu: 'gpu', maxCostUsd: 'budgetUsd', maxUsdPerHour: 'maxUsdPerHour', interruptible: 'interruptible', cache: 'cache', cacheRegion: 'cacheRegion' };

export function fieldName(origin: RequestOrigin, field: RequestField): string {
  if (origin === 'cli') return CLI_FLAGS[field];
  const key = STACK_KEYS[field] ?? field;
  return origin === 'stack' ? `gpuburst:${key}` : `RenderSessionArgs.${key}`;
}

/** Merges flag > batch file > default and checks the result; throws one BadInputError line naming the bad value. */
export function buildSessionRequest(s: RequestSources): SessionRequest {
  const own = (field: RequestField) => fieldName(s.origin, field);
  const batchFile = batchPath(s, own('batchFile'));
  const defaults = s.batchDefaults ?? parseBatch(batchFile);
  const raw: RawRequest = { ...s.given, batchFile };
  const fromBatch = new Set<RequestField>();
  for (const [field, key] of Object.entries(BATCH_KEYS) as [RequestField, keyof BatchDefaults][]) {
    if (raw[field] === undefined && defaults[key] !== undefined) {
      raw[field] = defaults[key];
      fromBatch.add(field);
    }
  }
  if (typeof raw.outDir === 'string' && raw.outDir.trim()) raw.outDir = path.resolve(s.cwd, raw.outDir.trim());
  raw.simulated ??= s.env.GPUBURST_SIMULATED === '1' ? true : undefined;
  const names: FieldNames = (field) => (fromBatch.has(field) ? `${batchFile}: ${BATCH_KEYS[field]}` : own(field));

  if (s.origin !== 'cli' && raw.provider === 'local') throw new BadInputError(`${names('provider')}: "local" rents nothing, so it has no stack; use gpuburst run --provider local`);
  const request = parseSessionRequest(raw, names);
  if (request.gpu) resolveGpuNames(request.gpu, Object.keys(loadCatalog({ env: s.env }).catalog.gpus), names('gpu'));
  return request;
}

function batchPath(s: RequestSources, name: string): string {
  const given = typeof s.given.batchFile === 'string' ? s.given.batchFile.trim() : '';
  if (!given) throw new BadInputError(`${name}: missing; accepted: the path of a batch file (YAML), e.g. examples/sdxl-batch.yaml`);
  const file = path.resolve(s.cwd, given);
  // The CLI's own message for a missing file is parseBatch's ("cannot read it"); config keys say which key it was.
  if (s.origin !== 'cli' && !fs.existsSync(file)) throw new BadInputError(`${name}: ${file} does not exist; accepted: the path of a batch file (YAML)`);
  return file;
}
