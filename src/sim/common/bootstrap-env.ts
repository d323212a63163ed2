/**
 * What the VM simulators (Lambda, Paperspace) do in place of executing a first-boot script: read the environment
 * block it hands to its container and boot script (providers/bootstrap.ts writes it).
 */
import { BOOTSTRAP_ENV_BLOCK } from '../../../providers/bootstrap';

/** The environment a bootstrap script hands to its container and boot script; undefined when it has no block. */
export function readBootstrapEnv(script: string): Record<string, string> | undefined {
  const start = script.indexOf(BOOTSTRAP_ENV_BLOCK.begin);
  if (start < 0) return undefined;
  const body = script.slice(start + BOOTSTRAP_ENV_BLOCK.begin.length);
  const end = body.indexOf(`\n${BOOTSTRAP_ENV_BLOCK.end}`);
  if (end < 0) return undefined;
  const env: Record<string, string> = {};
  for (const line of body.slice(0, end).split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) env[line.slice(0, eq)] = Buffer.from(line.slice(eq + 1), 'base64').toString('utf8');
  }
  return env;
}

/** The image a first-boot script runs (the last word of its `docker run` line); undefined when it runs none. */
export function readBootstrapImage(script: string): string | undefined {
  const line = script.split('\n').find((l) => /^\s*docker run\b/.test(l));
  return line?.trim().split(/\s+/).pop();
}
