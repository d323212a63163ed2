/**
 * Checking what a provider answered before an adapter reads it. An edge proxy's HTML page, a truncated or huge body,
 * or JSON of another shape becomes a typed error with one line of text, never "Cannot read properties of undefined".
 * Used as the `check` of HttpClient requests, so an HTML page (usually an outage or maintenance page) is retried like
 * any transient failure, while JSON of the wrong shape (the API changed, or the URL points elsewhere) is not.
 */
import type { z } from 'zod';
import { GpuburstError, ProviderError, TransientError } from './errors';
import type { ProviderName } from './types';

/** The HTTP methods the client sends; declared here (not in http.ts) so response.ts and http.ts form no cycle. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';

const HTML = /^\s*(<!doctype html|<html|<head|<body|<\?xml|<[a-z]+[\s>])/i;

/** A response body in a few words for a one-line message: never the body itself when it is a page. */
export function describeBody(data: unknown, maxChars = 200): string {
  if (data === undefined || data === null || data === '') return 'an empty body';
  if (typeof data === 'string') {
    if (HTML.test(data)) return 'an HTML page';
    // Only the start matters for a message; a 27 MB body is not worth a pass.
    const flat = data.slice(0, maxChars * 2).replace(/\s+/g, ' ').trim();
    return flat.length > maxChars ? `text (${flat.slice(0, maxChars)}...)` : `text (${flat})`;
  }
  return Array.isArray(data) ? 'a JSON array' : `JSON ${typeof data}`;
}

/** One line of the provider's own error text, or '' when the body is empty or a page. */
export function errorText(text: unknown, maxChars = 300): string {
  if (typeof text !== 'string' || text === '' || HTML.test(text)) return '';
  const flat = text.slice(0, maxChars * 2).replace(/\s+/g, ' ').trim();
  return flat.length > maxChars ? `${flat.slice(0, maxChars - 3)}...` : flat;
}

export interface ShapeCheckOptions {
  provider: ProviderName;
  method: HttpMethod;
  path: string;
  /** The variable holding the API base URL, named when the answer suggests a wrong URL. */
  urlVar?: string;
  /**
   * A create: a 2xx of the wrong shape leaves unknown whether the machine exists, so the error is transient and
   * create-once looks the machine up by name instead of giving up on something that may be billing.
   */
  create?: boolean;
}

/** `check` for HttpClient: undefined when `data` fits `schema`, else the typed error to throw. */
export function shapeCheck(schema: z.ZodType, o: ShapeCheckOptions): (data: unknown, status: number) => GpuburstError | undefined {
  return (data, status) => {
    const where = `${o.provider}: ${o.method} ${o.path.split('?')[0]}`;
    const hint = o.urlVar ? ` (is ${o.urlVar} right?)` : '';
    if (typeof data === 'string' || data === undefined || data === null) {
      return new TransientError(`${where} answered ${describeBody(data, 80)} instead of JSON${hint}`, { provider: o.provider, status });
    }
    const result = schema.safeParse(data);
    if (result.success) return undefined;
    const issue = result.error.issues[0];
    const field = issue.path.length ? issue.path.join('.') : 'the body';
    const message = `${where} answered JSON of an unexpected shape (${field}: ${issue.message.replace(/\s+/g, ' ')})${hint}`;
    return o.create ? new TransientError(message, { provider: o.provider, status }) : new ProviderError(message, { provider: o.provider, status });
  };
}
