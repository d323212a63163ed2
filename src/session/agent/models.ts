/**
 * What the machine's agent gets from the batch's `models:`: each model as the agent needs it, and the download
 * tokens the user let go to the machine (`modelTokens: true`). Decided before renting, so a named token that is
 * not set, or a token named without consent, fails with nothing spent.
 */
import { BadInputError } from '../../../providers/errors';
import { registerSecret } from '../../../providers/redact';
import type { LoadedBatch } from '../../comfy/batch/load';
import type { AgentModel } from './config';

/** The tokens the agent uses by host when a model names none (downloads.py TOKEN_HOSTS). */
const DEFAULT_TOKEN_VARS = ['HF_TOKEN', 'CIVITAI_TOKEN'];

interface MachineModels {
  models: AgentModel[];
  /** Env var name → value; undefined unless the batch says `modelTokens: true`. */
  tokens?: Record<string, string>;
}

export function machineModels(batch: Pick<LoadedBatch, 'models' | 'spec'>, env: NodeJS.ProcessEnv): MachineModels {
  const models = batch.models.map(({ name, folder, url, sha256, auth, nameFromServer }) => ({ name, folder, url, sha256, ...(auth ? { auth } : {}), ...(nameFromServer ? { nameFromServer } : {}) }));
  const named = batch.models.map((m, i) => ({ i, auth: m.auth })).filter((m): m is { i: number; auth: string } => m.auth !== undefined);
  if (!batch.spec.modelTokens) {
    const first = named[0];
    if (first) throw new BadInputError(`models[${first.i}].auth: ${first.auth} goes to the machine only with modelTokens: true in the batch file`);
    return { models };
  }
  const missing = named.find((m) => !env[m.auth]);
  if (missing) throw new BadInputError(`models[${missing.i}].auth: ${missing.auth} is not set in your environment`);
  const tokens: Record<string, string> = {};
  for (const name of new Set([...DEFAULT_TOKEN_VARS, ...named.map((m) => m.auth)])) {
    const value = env[name];
    if (!value) continue;
    registerSecret(value);
    tokens[name] = value;
  }
  return { models, tokens };
}
