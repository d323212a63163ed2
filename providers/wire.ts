/**
 * What the two wires under the HTTP client share: the request and answer shapes, the deadlines and the one error
 * family. ./transport (undici) and ./lean-get (plain sockets, streamed GETs) both speak them, so ./http cannot tell
 * which one carried a request.
 */
import type { WireBody } from './wire-body';

export interface Deadlines {
  /** TCP (+ TLS) connect. */
  connectMs: number;
  /** From sending to the response headers: what a server that accepts and never answers runs into. */
  headersMs: number;
  /** The whole body of a buffered answer; for a streamed one, the longest silence between two chunks. */
  bodyMs: number;
  /** Largest buffered body; a stream is never capped here (downloads write to disk as they go). */
  maxBodyBytes: number;
}

export interface WireRequest {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body?: string | Buffer | FormData;
  signal?: AbortSignal;
  deadlines: Deadlines;
  stream: boolean;
}

export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  /** Buffered body, or the unread body when `stream` was asked for (the caller must pipe or cancel it). */
  body: Buffer | WireBody;
}

/** Why a request got no complete answer; `kind` lets the client phrase one line and decide on a retry. */
export class WireError extends Error {
  constructor(
    readonly kind: 'connect-timeout' | 'headers-timeout' | 'body-timeout' | 'too-large' | 'aborted' | 'network',
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** The caller's AbortSignal fired (either wire). */
export function cancelled(): WireError {
  return new WireError('aborted', 'the request was cancelled', 'ABORT_ERR');
}

/** undici's (and the sockets') error codes onto the few kinds the client words differently. */
export function wireError(err: unknown): WireError {
  if (err instanceof WireError) return err;
  const code = String((err as { code?: unknown })?.code ?? '');
  const name = (err as Error)?.name;
  const message = (err as Error)?.message ?? String(err);
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return new WireError('connect-timeout', message, code);
  if (code === 'UND_ERR_HEADERS_TIMEOUT') return new WireError('headers-timeout', message, code);
  if (code === 'UND_ERR_BODY_TIMEOUT') return new WireError('body-timeout', message, code);
  if (code === 'UND_ERR_ABORTED' || name === 'AbortError' || code === 'ABORT_ERR') return new WireError('aborted', message, code);
  // undici wraps the socket's own error (ECONNREFUSED, ECONNRESET…) or reports UND_ERR_SOCKET with it as cause.
  const cause = String((err as { cause?: { code?: unknown } })?.cause?.code ?? '');
  return new WireError('network', message, /^E[A-Z]/.test(code) ? code : cause || code || undefined);
}

