// Property values as the engine holds them: plain JSON in which a secret is the wire object
// { [sigKey]: secretSig, value } (the form the SDK sends in RegisterResource and the state file keeps, encrypted).
import { createCipheriv, randomBytes } from 'crypto';

export type Props = Record<string, unknown>;

const sigKey = '4dabf18193072939515e22adb298388d';
const secretSig = '1b47061264138c4ac30d75fd1eb44270';
const resourceSig = '5cf8f73096256a8f31e491e813e4eb8e';

const isObject = (v: unknown): v is Props => typeof v === 'object' && v !== null && !Array.isArray(v);
const isSecret = (v: unknown): boolean => isObject(v) && v[sigKey] === secretSig;
const makeSecret = (v: unknown): Props => (isSecret(v) ? (v as Props) : { [sigKey]: secretSig, value: v });

function containsSecrets(v: unknown): boolean {
  if (isSecret(v)) return true;
  if (Array.isArray(v)) return v.some(containsSecrets);
  return isObject(v) && Object.values(v).some(containsSecrets);
}

/**
 * What a provider that does not accept secrets receives (the dynamic host answers Configure with
 * acceptSecrets=false): secrets unwrapped, resource references reduced to their id or URN.
 */
export function forProvider(v: unknown): unknown {
  if (isSecret(v)) return forProvider((v as Props).value);
  if (Array.isArray(v)) return v.map(forProvider);
  if (!isObject(v)) return v;
  if (v[sigKey] === resourceSig) return v.id || v.urn;
  return Object.fromEntries(Object.entries(v).map(([k, item]) => [k, forProvider(item)]));
}

/** Go engine's annotateSecrets (provider_plugin.go): an output keeps the secretness of the input of that name. */
export function annotateSecrets(outs: Props, ins: Props): Props {
  for (const [key, inValue] of Object.entries(ins)) {
    if (!(key in outs)) continue;
    const outValue = outs[key];
    if (isObject(outValue) && !isSecret(outValue) && isObject(inValue) && !isSecret(inValue)) {
      annotateSecrets(outValue, inValue);
    } else if (!isSecret(outValue) && containsSecrets(inValue)) {
      outs[key] = makeSecret(outValue);
    }
  }
  return outs;
}

/** The step executor marks additionalSecretOutputs secret in the stored outputs ('id' cannot be). */
export function markSecret(outs: Props, names: string[]): Props {
  for (const name of names) if (name !== 'id' && name in outs) outs[name] = makeSecret(outs[name]);
  return outs;
}

/** Top-level property names holding a secret anywhere inside. */
export const secretNames = (props: Props): string[] => Object.keys(props).filter((k) => containsSecrets(props[k]));

/** Replaces every secret by ciphertext, as a passphrase-encrypted state file stores it. */
export function encryptSecrets(v: unknown, key: Buffer): unknown {
  if (isSecret(v)) {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const text = Buffer.concat([cipher.update(JSON.stringify((v as Props).value ?? null)), cipher.final()]);
    return { [sigKey]: secretSig, ciphertext: Buffer.concat([iv, cipher.getAuthTag(), text]).toString('base64') };
  }
  if (Array.isArray(v)) return v.map((item) => encryptSecrets(item, key));
  if (!isObject(v)) return v;
  return Object.fromEntries(Object.entries(v).map(([k, item]) => [k, encryptSecrets(item, key)]));
}
