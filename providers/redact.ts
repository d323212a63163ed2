/**
 * Every secret the process knows (API keys, machine access tokens) is registered here once, and every message,
 * log line and error text passes through `redact` before it leaves. Defence in depth: keys also travel only in
 * headers, never in URLs.
 */
const secrets = new Set<string>();
const MIN_SECRET_LENGTH = 6;

/** Remember a secret so that `redact` removes it everywhere. Short values are ignored (too many false hits). */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= MIN_SECRET_LENGTH) secrets.add(value);
}

export function redact(text: string): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join('***');
  return out.replace(/([?&](?:api_key|token|key)=)[^&\s"']+/gi, '$1***').replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]{6,}/g, '$1***');
}

