/** Simulated machines behave like the real images and VM images (reference §1): what a machine serves at boot. */
import { vmBootstrapScript } from '../../../providers/bootstrap';
import type { MachineSpec } from '../../../providers/types';
import { ComfyClient } from '../../../src/comfy/client';
import { createMachineHost } from '../../../src/sim/common/machine-host';
import type { MachineBoot, MachineProcess } from '../../../src/sim/common/machine-types';
import { comfySimFactory } from '../../../src/sim/comfyui';

const TOKEN = 'image-token-0123456789';
const AI_DOCK = 'ghcr.io/ai-dock/comfyui:v2-cuda-12.1.1-base-22.04-v0.2.2';
const spec: MachineSpec = { name: 'gpuburst-img', sessionId: 's', offerId: 'o', image: AI_DOCK, env: { WEB_TOKEN: TOKEN }, ports: [{ port: 8188, protocol: 'http' }], diskGb: 60 };

/** The first-boot script of before issue 11: the NVIDIA runtime only inside "Docker is missing". */
const OLD_SCRIPT = [
  '#!/bin/bash', 'set -eu',
  'if ! command -v docker >/dev/null 2>&1; then',
  '  apt-get -y update && apt-get -y install docker.io nvidia-container-toolkit',
  '  nvidia-ctk runtime configure --runtime=docker || true',
  '  systemctl restart docker',
  'fi',
  `docker run -d --gpus all --name gpuburst-comfyui -p 8188:8188 ${AI_DOCK}`,
].join('\n');
const NO_DOCKER_INSTALL = OLD_SCRIPT.replace('docker.io ', '');

const procs: MachineProcess[] = [];
afterEach(async () => {
  await Promise.all(procs.splice(0).map((p) => p.stop()));
});

async function boot(b: Partial<MachineBoot>, syncMs = 0): Promise<MachineProcess> {
  const host = createMachineHost({ comfy: comfySimFactory({ msPerStep: 1 }), aiDockSyncMs: syncMs });
  const proc = await host.boot({ provider: 'runpod', machineId: 'm1', name: 'gpuburst-img', env: { WEB_TOKEN: TOKEN }, host: '127.0.0.1', port: 0, ...b });
  procs.push(proc);
  return proc;
}

const status = (url: string, token?: string) =>
  fetch(`${url}/system_stats`, { headers: token ? { authorization: `Bearer ${token}` } : {}, redirect: 'manual' }).then(
    async (r) => ({ status: r.status, type: r.headers.get('content-type') ?? '', location: r.headers.get('location') }),
    () => ({ status: 'refused' as const, type: '', location: null }),
  );

test('ai-dock: without the token a 302 to an HTML login page; while it syncs a log viewer answers, and readiness waits', async () => {
  const proc = await boot({ image: AI_DOCK }, 1500);
  expect(await status(proc.comfyUrl)).toMatchObject({ status: 302, type: 'text/html', location: '/login' });
  expect(await status(proc.comfyUrl, TOKEN)).toMatchObject({ status: 302, type: 'text/html' });
  expect((await fetch(`${proc.comfyUrl}/`, { headers: { authorization: `Bearer ${TOKEN}` } }).then((r) => r.text()))).toContain('Preparing ComfyUI');
  const client = new ComfyClient({ baseUrl: proc.comfyUrl, token: TOKEN });
  expect(await client.isReady()).toBe(false);
  await client.waitUntilReady({ timeoutSeconds: 10, pollMs: 100 });
  expect(await status(proc.comfyUrl, TOKEN)).toMatchObject({ status: 200 });
});

test('vastai/comfy serves ComfyUI only when PORTAL_CONFIG names it with a proxied port', async () => {
  const image = 'vastai/comfy:v0.3.64-cuda-12.9-py312';
  const env = { OPEN_BUTTON_TOKEN: TOKEN };
  const served = await boot({ provider: 'vast', image, env: { ...env, PORTAL_CONFIG: 'localhost:1111:11111:/:Instance Portal|localhost:8188:18188:/:ComfyUI' } });
  expect(await status(served.comfyUrl)).toMatchObject({ status: 401 });
  expect(await status(served.comfyUrl, TOKEN)).toMatchObject({ status: 200 });
  for (const portal of [undefined, 'localhost:1111:11111:/:Instance Portal', 'localhost:8188:8188:/:ComfyUI']) {
    const proc = await boot({ provider: 'vast', image, env: portal ? { ...env, PORTAL_CONFIG: portal } : env });
    expect(await status(proc.comfyUrl, TOKEN)).toMatchObject({ status: 'refused' });
  }
});

test('Lambda VM (Docker, no NVIDIA runtime): the old script never serves ComfyUI; the phased one does', async () => {
  const old = await boot({ provider: 'lambda', image: AI_DOCK, bootScript: OLD_SCRIPT });
  expect(await status(old.comfyUrl, TOKEN)).toMatchObject({ status: 'refused' });
  const fixed = await boot({ provider: 'lambda', image: AI_DOCK, bootScript: vmBootstrapScript(spec, { sshUser: 'ubuntu' }) });
  expect(await status(fixed.comfyUrl)).toMatchObject({ status: 302 });
});

test('Paperspace ML-in-a-Box (runtime, no Docker): a script that does not install Docker never serves ComfyUI', async () => {
  const none = await boot({ provider: 'paperspace', image: AI_DOCK, bootScript: NO_DOCKER_INSTALL });
  expect(await status(none.comfyUrl, TOKEN)).toMatchObject({ status: 'refused' });
  const old = await boot({ provider: 'paperspace', image: AI_DOCK, bootScript: OLD_SCRIPT });
  expect(await status(old.comfyUrl)).toMatchObject({ status: 302 });
});

test('a phased script whose GPU container cannot start serves its failed phase; the client ends the wait at once', async () => {
  const broken = vmBootstrapScript(spec, { sshUser: 'ubuntu' }).replace(/^\s*nvidia-ctk runtime configure.*$/m, '');
  const proc = await boot({ provider: 'lambda', image: AI_DOCK, bootScript: broken });
  const client = new ComfyClient({ baseUrl: proc.comfyUrl, token: TOKEN, machineId: 'm1' });
  await expect(client.isReady()).rejects.toMatchObject({ code: 'ERR_PROVIDER', message: expect.stringContaining('phase start-comfyui') });
});
