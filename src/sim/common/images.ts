/**
 * What the real images and VM images do at boot, for the machine host (./machine-host.ts). Written from
 * ../shared/reference/machines-and-user-needs.md §1, never from what gpuburst sends:
 * - `vastai/comfy*`: ComfyUI and its Caddy site start only for an app named "ComfyUI" in PORTAL_CONFIG whose
 *   external port differs from its internal one; the image sets no default (§1.2). Caddy answers 401 without auth.
 * - `ai-dock/comfyui*`: Caddy redirects a request without the token to an HTML login page; while the image syncs
 *   its workspace, a "Preparing ComfyUI" log viewer answers on ComfyUI's own port (§1.1).
 * - VMs: Lambda Stack has Docker but no NVIDIA runtime; ML-in-a-Box has the NVIDIA toolkit but no Docker (§1.4).
 *   The first-boot script is read, not run: `docker run --gpus` works only if the script installs what is missing
 *   where that step actually runs on this image (a runtime step nested under "Docker is missing" never runs on Lambda).
 */
import http from 'http';
import type { AddressInfo } from 'net';
import { BOOTSTRAP_STATUS_KEY } from '../../../providers/bootstrap';
import type { MachineBoot } from './machine-types';

export interface ImageBehaviour {
  /** False: ComfyUI never comes up on this machine; `why` says what a real one would log. */
  serves: boolean;
  why?: string;
  /** The VM's first-boot script reports its failed phase on ComfyUI's port (providers/bootstrap.ts). */
  failedPhase?: string;
  /** Undefined: the ComfyUI factory's own default. */
  authFailure?: 'redirect' | '401';
  /** ai-dock: how long the log viewer answers before ComfyUI does. */
  syncMs: number;
}

/** What the VM images have before the first-boot script runs. */
const VM_IMAGES = { lambda: { docker: true, nvidiaRuntime: false }, paperspace: { docker: false, nvidiaRuntime: true } } as const;

export function imageBehaviour(b: MachineBoot, opts: { aiDockSyncMs: number }): ImageBehaviour {
  const image = b.image ?? '';
  const plain: ImageBehaviour = { serves: true, syncMs: 0 };
  if (b.provider === 'lambda' || b.provider === 'paperspace') {
    const missing = vmMissing(b.bootScript ?? '', VM_IMAGES[b.provider]);
    if (missing) return { ...plain, serves: false, why: `docker run --gpus failed: ${missing}`, failedPhase: reportsStatus(b.bootScript) ? 'start-comfyui' : undefined };
  }
  if (/(^|\/)vastai\/comfy/.test(image)) {
    const caddy: ImageBehaviour = { ...plain, authFailure: '401' };
    return comfyInPortal(b.env.PORTAL_CONFIG) ? caddy : { ...caddy, serves: false, why: 'Skipping ComfyUI startup (not in /etc/portal.yaml)' };
  }
  if (/(^|\/)ai-dock\/comfyui/.test(image)) return { serves: true, authFailure: 'redirect', syncMs: opts.aiDockSyncMs };
  return plain;
}

/** `host:external:internal:path:name|…`: an app named ComfyUI that Caddy fronts (external ≠ internal port). */
function comfyInPortal(config: string | undefined): boolean {
  return (config ?? '').split('|').some((entry) => {
    const [, external, internal, , name] = entry.split(':');
    return name?.trim() === 'ComfyUI' && external !== internal && Number(external) > 0;
  });
}

/** What the script leaves missing for `docker run --gpus` on this VM image; undefined when nothing is. */
function vmMissing(script: string, has: { docker: boolean; nvidiaRuntime: boolean }): string | undefined {
  const lines = script.split('\n');
  const installsDocker = runsHere(lines, /apt-get[^\n]*install[^\n]*\bdocker\.io\b|get\.docker\.com/, has);
  const installsRuntime = runsHere(lines, /apt-get[^\n]*install[^\n]*\bnvidia-container-toolkit\b/, has) && runsHere(lines, /nvidia-ctk runtime configure/, has);
  if (!has.docker && !installsDocker) return 'docker: command not found';
  if (!has.nvidiaRuntime && !installsRuntime) return 'could not select device driver "" with capabilities: [[gpu]]';
  return undefined;
}

/** A matching line exists that runs on this image: not nested in an `if ! command -v docker` block when Docker is there. */
function runsHere(lines: string[], step: RegExp, has: { docker: boolean }): boolean {
  let dockerMissingDepth = 0;
  let depth = 0;
  for (const line of lines) {
    const t = line.trim();
    if (/^if\b/.test(t)) {
      depth++;
      if (/^if ! command -v docker\b/.test(t) && dockerMissingDepth === 0) dockerMissingDepth = depth;
    }
    if (step.test(t) && !(has.docker && dockerMissingDepth > 0)) return true;
    if (/^fi\b/.test(t)) {
      if (depth === dockerMissingDepth) dockerMissingDepth = 0;
      depth--;
    }
  }
  return false;
}

function reportsStatus(script: string | undefined): boolean {
  return (script ?? '').includes(BOOTSTRAP_STATUS_KEY);
}

/** The first-boot script's status server after a failed phase: every GET answers the failed status as JSON. */
export async function startStatusStandIn(host: string, port: number, phase: string): Promise<{ url: string; close(): Promise<void> }> {
  const body = JSON.stringify({ [BOOTSTRAP_STATUS_KEY]: { phase, state: 'failed' } });
  const server = http.createServer((_req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end(body));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    url: `http://${host}:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
