// The state table: what the engine keeps per resource, its failures, and the state file it would write.
import { encryptSecrets, Props } from './secrets';

export const isDynamic = (type: string): boolean => /^pulumi-nodejs:dynamic(\/[^:]+)?:[^:]+$/.test(type);

export interface ResourceState {
  urn: string;
  type: string;
  name: string;
  custom: boolean;
  parent?: string;
  dependencies: string[];
  id?: string;
  /** Checked inputs (for dynamic resources, with `__provider`); secrets are wire secret objects. */
  inputs: Props;
  outputs: Props;
  additionalSecretOutputs: string[];
  /** Set when create threw an error carrying `id` (ErrorResourceInitFailed). */
  initErrors?: string[];
}

export interface EngineFailure {
  op: 'check' | 'create' | 'read' | 'delete' | 'program';
  urn?: string;
  id?: string;
  message: string;
}

export class EngineRunError extends Error {
  constructor(readonly failures: EngineFailure[]) {
    super(failures.map((f) => `${f.op} ${f.urn ?? ''}: ${f.message}`).join('\n'));
  }
}

/** Pulumi's checkpoint shape, every secret replaced by ciphertext (as a passphrase-encrypted stack stores it). */
export function dumpState(resources: ResourceState[], key: Buffer): string {
  const rows = resources.map((r) => ({
    urn: r.urn, custom: r.custom, id: r.id, type: r.type, inputs: r.inputs, outputs: r.outputs, parent: r.parent,
    dependencies: r.dependencies, additionalSecretOutputs: r.additionalSecretOutputs, initErrors: r.initErrors,
  }));
  const deployment = { secrets_providers: { type: 'test-engine' }, resources: rows };
  return JSON.stringify({ version: 3, deployment: encryptSecrets(deployment, key) }, null, 2);
}
