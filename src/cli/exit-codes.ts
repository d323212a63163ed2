/** Exit codes by error code: stable, documented in the README. */
import type { ErrorCode } from '../../providers/errors';

export const EXIT = {
  ok: 0,
  /** The command ran and found problems (workflow validate, an incomplete run). */
  problems: 1,
  badInput: 2,
  auth: 3,
  capacity: 4,
  transient: 5,
  notFound: 6,
  unsupported: 7,
  provider: 8,
  internal: 70,
  interrupted: 130,
} as const;

export function exitCodeFor(code: ErrorCode): number {
  switch (code) {
    case 'ERR_BAD_INPUT':
      return EXIT.badInput;
    case 'ERR_AUTH':
      return EXIT.auth;
    case 'ERR_CAPACITY':
      return EXIT.capacity;
    case 'ERR_RATE_LIMIT':
    case 'ERR_TRANSIENT':
      return EXIT.transient;
    case 'ERR_NOT_FOUND':
      return EXIT.notFound;
    case 'ERR_UNSUPPORTED':
      return EXIT.unsupported;
    case 'ERR_PROVIDER':
      return EXIT.provider;
  }
}
