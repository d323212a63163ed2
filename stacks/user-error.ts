/**
 * Errors meant for the user, shown by Pulumi as one line: a RunError (the language host prints its message without
 * a stack) that keeps the typed error's stable `code`. Anything else stays as it is: an internal error.
 */
import * as pulumi from '@pulumi/pulumi';
import { GpuburstError } from '../providers/errors';

export function visible(err: unknown): unknown {
  if (!(err instanceof GpuburstError)) return err;
  return Object.assign(new pulumi.RunError(err.message), { code: err.code });
}
