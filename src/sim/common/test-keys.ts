/**
 * Keys the simulators make up (account keys and machine-scoped keys). Each carries CANARY_MARKER, so a test run can
 * prove that no key ever reaches an output, a log, a journal, an error or a state file: test/canary/setup.ts looks
 * for the marker everywhere. Keys are fake either way; the marker also tells a user of `gpuburst sim` so.
 */
import crypto from 'crypto';

export const CANARY_MARKER = 'SIMKEYCANARY';

/** `<prefix>SIMKEYCANARY<random hex>`; `upper` for providers whose keys are upper case (RunPod). */
export function simKey(prefix: string, randomBytes: number, upper = false): string {
  const hex = crypto.randomBytes(randomBytes).toString('hex');
  return `${prefix}${CANARY_MARKER}${upper ? hex.toUpperCase() : hex}`;
}
