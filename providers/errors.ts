/**
 * The typed error family. Callers branch on `code` (or `instanceof`), never on message text; only the adapter that
 * translates a provider's response reads that provider's wording. Messages are one line, meant for users, and never
 * hold an API key (see ./redact).
 */
import type { ProviderName } from './types';
import { redact } from './redact';

export type ErrorCode =
  | 'ERR_AUTH'
  | 'ERR_CAPACITY'
  | 'ERR_RATE_LIMIT'
  | 'ERR_NOT_FOUND'
  | 'ERR_TRANSIENT'
  | 'ERR_UNSUPPORTED'
  | 'ERR_BAD_INPUT'
  | 'ERR_PROVIDER';

export interface ErrorInit {
  provider?: ProviderName | 'comfyui';
  /** The machine this error concerns, when one exists: callers must never forget a billing machine. */
  machineId?: string;
  /** HTTP status of the response that caused it, if any. */
  status?: number;
  cause?: unknown;
}

export class GpuburstError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly provider?: ProviderName | 'comfyui';
  readonly machineId?: string;
  readonly status?: number;

  constructor(code: ErrorCode, message: string, retryable: boolean, init: ErrorInit = {}) {
    super(redact(message), init.cause === undefined ? undefined : { cause: scrubCause(init.cause) });
    this.name = new.target.name;
    this.code = code;
    this.retryable = retryable;
    this.provider = init.provider;
    this.machineId = init.machineId;
    this.status = init.status;
  }
}

/** Missing, invalid or under-privileged API key. */
export class AuthError extends GpuburstError {
  constructor(message: string, init?: ErrorInit) {
    super('ERR_AUTH', message, false, init);
  }
}

/** No machine of that kind can be placed now; try another offer. */
export class CapacityError extends GpuburstError {
  constructor(message: string, init?: ErrorInit) {
    super('ERR_CAPACITY', message, false, init);
  }
}

export class RateLimitError extends GpuburstError {
  readonly retryAfterSeconds?: number;
  constructor(message: string, init: ErrorInit & { retryAfterSeconds?: number } = {}) {
    super('ERR_RATE_LIMIT', message, true, init);
    this.retryAfterSeconds = init.retryAfterSeconds;
  }
}

export class NotFoundError extends GpuburstError {
  constructor(message: string, init?: ErrorInit) {
    super('ERR_NOT_FOUND', message, false, init);
  }
}

/** Timeouts, resets, 5xx: the same request may succeed later. */
export class TransientError extends GpuburstError {
  constructor(message: string, init?: ErrorInit) {
    super('ERR_TRANSIENT', message, true, init);
  }
}

/** The provider cannot do this at all (Lambda has no stop); the reason comes from its capability map. */
export class UnsupportedError extends GpuburstError {
  constructor(message: string, init?: ErrorInit) {
    super('ERR_UNSUPPORTED', message, false, init);
  }
}

/** The user gave something we cannot accept. The message names the bad value and what is accepted. */
export class BadInputError extends GpuburstError {
  constructor(message: string, init?: ErrorInit) {
    super('ERR_BAD_INPUT', message, false, init);
  }
}

/** The provider refused for another reason (insufficient balance, conflicting state). */
export class ProviderError extends GpuburstError {
  constructor(message: string, init?: ErrorInit) {
    super('ERR_PROVIDER', message, false, init);
  }
}

/** Keep only a redacted message of the cause: axios errors carry request config and headers (with keys). */
function scrubCause(cause: unknown): Error {
  if (cause instanceof GpuburstError) return cause;
  const message = cause instanceof Error ? cause.message : String(cause);
  const scrubbed = new Error(redact(message));
  const code = (cause as { code?: unknown } | null)?.code;
  if (typeof code === 'string') (scrubbed as Error & { code?: string }).code = code;
  return scrubbed;
}
