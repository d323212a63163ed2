/**
 * Account SSH keys (docs/reference/lambda.md §3 "Prerequisites"): names 1–64 characters and unique; without `public_key` the API
 * generates a pair and returns the private key once. The generated pair here is random text of the right shape,
 * not a usable key: nothing in the simulator speaks SSH.
 */
import crypto from 'crypto';
import { invalidParameters, LambdaApiError } from './errors';
import { checkLambdaRequest } from './launch-request';

export interface SimSshKey {
  id: string;
  name: string;
  public_key: string;
}

export class SshKeyStore {
  private readonly keys = new Map<string, SimSshKey>();

  list(): SimSshKey[] {
    return [...this.keys.values()];
  }

  hasName(name: string): boolean {
    return this.list().some((k) => k.name === name);
  }

  add(body: Record<string, unknown>): SimSshKey & { private_key?: string } {
    checkLambdaRequest('addSshKey', body);
    const { name, public_key: publicKey } = body as { name: string; public_key?: string };
    // BREV matches this text when a name is taken (docs/reference/lambda.md §3); the code is not documented.
    if (this.hasName(name)) throw invalidParameters('SSH key name must be unique.');
    const key: SimSshKey = { id: crypto.randomBytes(16).toString('hex'), name, public_key: publicKey ?? `ssh-ed25519 ${crypto.randomBytes(51).toString('base64')} ${name}` };
    this.keys.set(key.id, key);
    if (publicKey !== undefined) return key;
    const privateKey = `-----BEGIN OPENSSH PRIVATE KEY-----\n${crypto.randomBytes(96).toString('base64')}\n-----END OPENSSH PRIVATE KEY-----\n`;
    return { ...key, private_key: privateKey };
  }

  delete(id: string): void {
    if (!this.keys.delete(id)) throw new LambdaApiError(404, 'global/object-does-not-exist', 'SSH key does not exist.');
  }
}
