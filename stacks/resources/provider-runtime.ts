/**
 * What the dynamic providers' methods use when they run in Pulumi's provider host. All of it is serialized into
 * state with each provider, so it holds only plain data and functions that load what they need at run time: no
 * client, no key, no session module is captured (see docs/reference/pulumi.md §1.2–1.3).
 */
import type * as Steps from '../../src/session/steps';
import { PROVIDER_ENV } from '../../providers/index';
import { CLOUD_PROVIDERS } from '../../providers/types';

export type StepsModule = typeof Steps;

/** Stack config key (`pulumi config set --secret gpuburst:vastApiKey …`) → the environment variable it stands for. */
export const KEY_CONFIG: Record<string, string> = Object.fromEntries(
  CLOUD_PROVIDERS.map((p) => [`gpuburst:${p}ApiKey`, PROVIDER_ENV[p].keyVar]),
);

/**
 * The session steps of the built project. Pulumi starts the provider host in the project folder (it resolves
 * `@pulumi/pulumi` from there), so the build is found from the working directory, whatever machine state came from.
 */
export function loadSteps(): StepsModule {
  const file = require('path').join(process.cwd(), 'dist', 'src', 'session', 'steps.js');
  if (!require('fs').existsSync(file)) {
    throw new Error(`gpuburst: ${file} is missing; run \`npm run build\` in the project folder, then retry`);
  }
  return require(file) as StepsModule;
}

/** Provider keys set in stack config, as environment variables (`configure` gets every key, secrets decrypted). */
export function keysFromConfig(get: (fullKey: string) => string | undefined): Record<string, string> {
  const keys: Record<string, string> = {};
  for (const [configKey, envVar] of Object.entries(KEY_CONFIG)) {
    const value = get(configKey)?.trim();
    if (value) keys[envVar] = value;
  }
  return keys;
}

/** The environment a step runs with: the host's (API URLs, keys), stack-config keys over it. */
export function stepEnv(keys: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, ...keys };
}

/** The host sends outputs as a protobuf Struct, which has no `undefined`: leave such fields out. */
export function defined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Equal as JSON, whatever the key order (the wire does not keep it). */
export function sameJson(a: unknown, b: unknown): boolean {
  const sorted = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(sorted) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])])) : v;
  return JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));
}
