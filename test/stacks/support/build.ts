/**
 * The stack's resources run the built session code (dist/), as under `pulumi up`: tests rebuild it when a source
 * is newer than its build. One build at a time (jest runs test files in parallel): a lock folder in the temp dir.
 */
import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { staleBuild } from '../../../stacks/build-check';

export const ROOT = path.join(__dirname, '..', '..', '..');
const LOCK = path.join(os.tmpdir(), `gpuburst-build-${createHash('sha1').update(ROOT).digest('hex').slice(0, 12)}.lock`);
const STALE_LOCK_MS = 5 * 60_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function ensureBuilt(): Promise<void> {
  while (staleBuild(ROOT).length > 0) {
    if (!takeLock()) {
      await sleep(250); // another test file is building; look again when it is done
      continue;
    }
    try {
      build();
    } finally {
      fs.rmSync(LOCK, { recursive: true, force: true });
    }
    break; // a source edited during the build stays newer; the build is as fresh as it gets
  }
  if (!fs.existsSync(path.join(ROOT, 'dist', 'src', 'session', 'steps.js'))) throw new Error('the build produced no dist/src/session/steps.js');
}

function takeLock(): boolean {
  try {
    fs.mkdirSync(LOCK);
    return true;
  } catch {
    const age = Date.now() - (fs.statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
    if (age > STALE_LOCK_MS) fs.rmSync(LOCK, { recursive: true, force: true });
    return false;
  }
}

// `npm run build` without the `&&`: type errors in work under way elsewhere still emit, and the assets must follow.
function build(): void {
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'pipe' });
  } catch {
    // emitted anyway (no noEmitOnError); the typecheck is `npx tsc --noEmit`'s job
  }
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'copy-assets.js')], { cwd: ROOT, stdio: 'pipe' });
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'compile-api-schemas.js')], { cwd: ROOT, stdio: 'pipe' });
}
