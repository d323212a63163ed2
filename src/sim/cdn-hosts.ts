/**
 * What the simulated CDN knows about the hosts models come from (docs/models.md): how each answers a request without
 * its token, where Hugging Face sends the bytes, how Civitai names a file, and Range parsing.
 */
import type http from 'http';

/** Hugging Face's signed-URL CDN: another host, so a token sent to huggingface.co must not follow a redirect here. */
export const SIGNED_CDN_HOST = 'cas-bridge.xethub.hf.co';

export function hostOf(url: string): string {
  const host = new URL(url).hostname.toLowerCase();
  return host.startsWith('www.') ? host.slice(4) : host;
}

/** A gated file without its token: Hugging Face answers 401 with JSON; Civitai answers its login page (HTML, 200). */
export function gatedReply(res: http.ServerResponse, host: string): void {
  if (host === 'civitai.com') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    return void res.end('<!DOCTYPE html><html><head><title>Sign in | Civitai</title></head><body>Sign in to download</body></html>');
  }
  res.writeHead(401, { 'content-type': 'application/json', 'x-error-code': 'GatedRepo' });
  res.end(JSON.stringify({ error: 'Access to model is restricted. You must have access to it and be authenticated to access it. Please log in.' }));
}

/** The name Civitai's Content-Disposition gives a model version's file. */
export function civitaiFileName(id: string, names: Record<string, string> = {}): string {
  return names[id] ?? `civitai-${id}.safetensors`;
}

/** `bytes=a-b` / `bytes=a-` → [start, end] inclusive; undefined when absent or not a single byte range. */
export function parseRange(header: string | undefined, size: number): [number, number] | 'unsatisfiable' | undefined {
  const m = header ? /^bytes=(\d+)-(\d*)$/.exec(header.trim()) : null;
  if (!m) return undefined;
  const start = Number(m[1]);
  const end = m[2] ? Math.min(Number(m[2]), size - 1) : size - 1;
  if (start >= size || end < start) return 'unsatisfiable';
  return [start, end];
}
