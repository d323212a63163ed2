/**
 * The stack's config (`stacks/Pulumi.<stack>.yaml`, `pulumi config set gpuburst:…`) read and checked before
 * anything is created. A missing or mistyped key names the key and what it accepts; an unknown provider or GPU is
 * the CLI's own error; a provider key stored without `--secret` is a warning (the Pulumi CLI only checks keys its
 * project schema declares secret, and declaring them would demand all four on every stack: see stacks/README.md).
 */
import fs from 'fs';
import path from 'path';
import * as pulumi from '@pulumi/pulumi';
import { BadInputError } from '../providers/errors';
import { parseProviderName } from '../providers/index';
import type { CloudProviderName } from '../providers/types';
import { loadCatalog } from '../src/catalog/load';
import { resolveGpuNames } from '../src/catalog/gpu-names';
import { positiveNumber, wholeNumber } from '../src/estimate/batch';
import { DEFAULT_TIMINGS, SessionTimings } from '../src/session/timings';
import type { RenderSessionArgs } from './components/render-session';
import { KEY_CONFIG, keysFromConfig } from './resources/provider-runtime';
import { staleBuild } from './build-check';
import { visible } from './user-error';

const NS = 'gpuburst';
const key = (name: string) => `${NS}:${name}`;

// Internal to the SDK (runtime/config.js): whether a key was set with `--secret` (PULUMI_CONFIG_SECRET_KEYS).
const { isConfigSecret } = require('@pulumi/pulumi/runtime/config') as { isConfigSecret(fullKey: string): boolean };

/** The RenderSession args this stack's config asks for. Throws a one-line error naming the bad key. */
export function readStackConfig(cwd = process.cwd(), env: NodeJS.ProcessEnv = process.env): RenderSessionArgs {
  try {
    return read(cwd, env);
  } catch (err) {
    throw visible(err);
  }
}

function read(cwd: string, env: NodeJS.ProcessEnv): RenderSessionArgs {
  const config = new pulumi.Config(NS);
  const text = (name: string) => config.get(name)?.trim() || undefined; // the project schema's "" default = unset
  const batchFile = text('batchFile');
  if (!batchFile) throw new BadInputError(`${key('batchFile')}: missing; expected a string: the batch file, e.g. pulumi config set ${key('batchFile')} examples/sdxl-batch.yaml`);
  const batchPath = path.resolve(cwd, batchFile);
  if (!fs.existsSync(batchPath)) throw new BadInputError(`${key('batchFile')}: ${batchPath} does not exist; expected a string: the path of a batch file (YAML)`);

  warnPlaintextKeys();
  warnStaleBuild(cwd);
  const keys = keysFromConfig((fullKey) => config.get(fullKey.slice(NS.length + 1)));
  const number = (name: string, parse: (flag: string, v: string) => number) => {
    const v = text(name);
    return v === undefined ? undefined : parse(key(name), v);
  };
  return {
    batchFile: batchPath,
    provider: providerOf(text('provider')),
    gpu: gpuOf(text('gpu'), env),
    maxCostUsd: number('maxCostUsd', (f, v) => positiveNumber(f, v)),
    maxUsdPerHour: number('maxUsdPerHour', (f, v) => positiveNumber(f, v)),
    model: text('model'),
    outDir: text('outDir') && path.resolve(cwd, text('outDir')!),
    teardown: oneOf('teardown', ['terminate', 'stop'] as const),
    autoTeardown: bool('autoTeardown'),
    heartbeatMinutes: number('heartbeatMinutes', (f, v) => wholeNumber(f, v, 1, 24 * 60)),
    idleMinutes: number('idleMinutes', (f, v) => wholeNumber(f, v, 1, 24 * 60)),
    remoteKey: bool('remoteKey'),
    workDir: path.resolve(cwd, text('workDir') ?? '.'),
    timings: timingsOf(),
    env: { ...env, ...keys },
  };

  function bool(name: string): boolean | undefined {
    const v = text(name);
    if (v === undefined) return undefined;
    if (v !== 'true' && v !== 'false') throw new BadInputError(`${key(name)}: "${v}" is not accepted; expected a boolean: true or false`);
    return v === 'true';
  }

  function oneOf<T extends string>(name: string, accepted: readonly T[]): T | undefined {
    const v = text(name);
    if (v !== undefined && !accepted.includes(v as T)) throw new BadInputError(`${key(name)}: "${v}" is not accepted; accepted: ${accepted.join(', ')}`);
    return v as T | undefined;
  }

  function timingsOf(): Partial<SessionTimings> {
    const expected = `expected an object of positive numbers with keys from ${Object.keys(DEFAULT_TIMINGS).join(', ')}`;
    let raw: unknown;
    try {
      raw = config.getObject<unknown>('timings');
    } catch {
      throw new BadInputError(`${key('timings')}: not JSON; ${expected}`);
    }
    if (raw === undefined) return {};
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new BadInputError(`${key('timings')}: ${expected}`);
    const timings: Record<string, number> = {};
    for (const [k, v] of Object.entries(raw)) {
      // `pulumi config set --path` stores whole numbers as numbers and anything else (0.25) as a string
      const seconds = typeof v === 'string' && /^\d*\.?\d+$/.test(v.trim()) ? Number(v) : v;
      if (!(k in DEFAULT_TIMINGS) || typeof seconds !== 'number' || !(seconds > 0)) throw new BadInputError(`${key('timings')}.${k}: ${JSON.stringify(v)} is not accepted; ${expected}`);
      timings[k] = seconds;
    }
    return timings as Partial<SessionTimings>;
  }
}

/** The CLI's own check (`--provider`); `local` drives servers you already run, so no stack is needed for it. */
function providerOf(value: string | undefined): CloudProviderName | 'auto' | undefined {
  if (value === undefined || value === 'auto') return value;
  let name;
  try {
    name = parseProviderName(value);
  } catch (err) {
    throw new BadInputError(`${key('provider')}: ${(err as Error).message}`);
  }
  if (name === 'local') throw new BadInputError(`${key('provider')}: "local" rents nothing, so it has no stack; use gpuburst run --provider local`);
  return name;
}

/** The CLI's own GPU names (the catalog's), checked offline. */
function gpuOf(value: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (value === undefined) return undefined;
  resolveGpuNames(value, Object.keys(loadCatalog({ env }).catalog.gpus), key('gpu'));
  return value;
}

function warnPlaintextKeys(): void {
  for (const fullKey of Object.keys(KEY_CONFIG)) {
    if (pulumi.runtime.getConfig(fullKey) !== undefined && !isConfigSecret(fullKey)) {
      pulumi.log.warn(`${fullKey} is stored in plain text in the stack config; store it encrypted: pulumi config set --secret ${fullKey} <key>`);
    }
  }
}

/** The resources run the build (in the provider host): a missing or older build is said before anything runs. */
function warnStaleBuild(cwd: string): void {
  const stale = staleBuild(cwd);
  if (stale.length === 0) return;
  const what = fs.existsSync(path.join(cwd, 'dist', 'src', 'session', 'steps.js')) ? `dist/ is older than ${stale.length} source file(s) (${stale[0]}…)` : 'dist/ has no build';
  pulumi.log.warn(`${what}: the machine and render resources run the built code; run npm run build first`);
}
