/**
 * The stack's config (`stacks/Pulumi.<stack>.yaml`, `pulumi config set gpuburst:…`) read before anything is created.
 * The session's keys are handed raw to the session request's one builder (src/session/request-sources.ts), which
 * checks them by the same rules as `gpuburst run`'s flags and names the key in its one-line error; this file checks
 * only what is the stack's own (workDir, timings). A provider key stored without `--secret` is a warning (the Pulumi
 * CLI only checks keys its project schema declares secret, and declaring them would demand all four on every stack:
 * see stacks/README.md).
 */
import fs from 'fs';
import path from 'path';
import * as pulumi from '@pulumi/pulumi';
import { BadInputError } from '../providers/errors';
import type { CloudProviderName } from '../providers/types';
import { buildSessionRequest } from '../src/session/request-sources';
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
  const request = buildSessionRequest({
    origin: 'stack',
    cwd,
    env,
    given: {
      batchFile: text('batchFile'),
      provider: text('provider'),
      gpu: text('gpu'),
      maxCostUsd: text('maxCostUsd'),
      maxUsdPerHour: text('maxUsdPerHour'),
      model: text('model'),
      outDir: text('outDir'),
      teardown: text('teardown'),
      teardownOnSuccess: text('autoTeardown'),
      heartbeatMinutes: text('heartbeatMinutes'),
      idleMinutes: text('idleMinutes'),
      remoteKey: text('remoteKey'),
    },
  });

  warnPlaintextKeys();
  warnStaleBuild(cwd);
  const keys = keysFromConfig((fullKey) => config.get(fullKey.slice(NS.length + 1)));
  return {
    batchFile: request.batchFile,
    // A stack never has provider local: the builder refused it.
    provider: request.provider as CloudProviderName | 'auto',
    gpu: request.gpu,
    maxCostUsd: request.maxCostUsd,
    maxUsdPerHour: request.maxUsdPerHour,
    model: request.model,
    outDir: request.outDir,
    teardown: request.teardown,
    autoTeardown: request.teardownOnSuccess,
    heartbeatMinutes: request.heartbeatMinutes,
    idleMinutes: request.idleMinutes,
    remoteKey: request.remoteKey,
    workDir: path.resolve(cwd, text('workDir') ?? '.'),
    timings: timingsOf(),
    env: { ...env, ...keys },
  };

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
