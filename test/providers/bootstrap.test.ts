/**
 * The VM first-boot script run by real bash against stand-in commands (docker, apt-get, nvidia-ctk, systemctl) that
 * behave like the two VM images: Lambda Stack (Docker, no NVIDIA runtime) and Paperspace ML-in-a-Box (NVIDIA
 * toolkit, no Docker). `docker run --gpus` fails unless the runtime was configured, as on the real machines.
 */
import { execFileSync, spawnSync } from 'child_process';
import fs from 'fs';
import net from 'net';
import os from 'os';
import path from 'path';
import { BOOTSTRAP_PHASES, parseBootstrapStatus, vmBootstrapScript } from '../../providers/bootstrap';
import type { MachineSpec } from '../../providers/types';
import { ComfyClient } from '../../src/comfy/client';

const PYTHON_DIR = path.dirname(execFileSync('python3', ['-c', 'import sys;print(sys.executable)'], { encoding: 'utf8' }).trim());

const STUBS: Record<string, string> = {
  docker: [
    'case "$1" in',
    '  info) if [ -f "$STATE/nvidia" ]; then echo \'{"nvidia":{},"runc":{}}\'; else echo \'{"runc":{}}\'; fi ;;',
    '  run) case "$*" in *--gpus*) [ -f "$STATE/nvidia" ] || { echo "could not select device driver \\"\\" with capabilities: [[gpu]]" >&2; exit 125; } ;; esac; echo "$*" > "$STATE/container" ;;',
    'esac',
  ].join('\n'),
  'apt-get': [
    '[ "$1" = "-y" ] && shift',
    'case "$*" in',
    '  *"install docker.io"*) cp "$STUBS/.docker" "$STUBS/docker" ;;',
    '  *"install nvidia-container-toolkit"*) [ -f "$STATE/toolkit-install-fails" ] && { echo "E: Unable to locate package" >&2; exit 100; }; cp "$STUBS/.nvidia-ctk" "$STUBS/nvidia-ctk" ;;',
    'esac',
  ].join('\n'),
  'apt-cache': 'echo "  Candidate: 1.17.0-1"',
  'nvidia-ctk': '[ "$1 $2" = "runtime configure" ] && touch "$STATE/nvidia"',
  systemctl: 'exit 0',
  usermod: 'exit 0',
  curl: 'exit 0',
  gpg: 'exit 0',
};

interface Vm {
  root: string;
  port: number;
  result: { status: number | null; log: string };
  status(): ReturnType<typeof parseBootstrapStatus>;
  stop(): void;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Boots a stand-in VM with the given preinstalled pieces and runs the script as it would run at first boot. */
async function bootVm(image: { docker: boolean; toolkit: boolean; toolkitInstallFails?: boolean }): Promise<Vm> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-vm-'));
  const stubs = path.join(root, 'bin');
  const state = path.join(root, 'state');
  fs.mkdirSync(stubs);
  fs.mkdirSync(state);
  for (const [name, body] of Object.entries(STUBS)) {
    // docker and nvidia-ctk are "in the apt repo" (hidden copies) until installed or preinstalled.
    const preinstalled = name === 'docker' ? image.docker : name === 'nvidia-ctk' ? image.toolkit : true;
    const file = path.join(stubs, preinstalled ? name : `.${name}`);
    fs.writeFileSync(file, `#!/bin/bash\n${body}\n`, { mode: 0o755 });
    if (preinstalled && (name === 'docker' || name === 'nvidia-ctk')) fs.copyFileSync(file, path.join(stubs, `.${name}`));
  }
  if (image.toolkitInstallFails) fs.writeFileSync(path.join(state, 'toolkit-install-fails'), '');
  const port = await freePort();
  const spec: MachineSpec = {
    name: 'gpuburst-vm', sessionId: 's', offerId: 'o', image: 'vastai/comfy:v0.3.64-cuda-12.9-py312',
    env: { WEB_TOKEN: 'tok en', GPUBURST_SESSION: 's' }, ports: [{ port, protocol: 'http' }], diskGb: 60,
    bootScript: `echo "agent $WEB_TOKEN" > ${root}/agent-ran`, sharedPaths: [`${root}/io`],
  };
  // The same script with its absolute paths moved under the VM's temporary root (we are not the VM's root user).
  const script = vmBootstrapScript(spec, { sshUser: 'ubuntu' })
    .replaceAll('/opt/gpuburst', `${root}/opt`)
    .replaceAll('/var/log/', `${root}/`)
    .replaceAll('/etc/docker/', `${root}/`)
    .replaceAll('/usr/share/keyrings/', `${root}/`)
    .replaceAll('/etc/apt/sources.list.d/', `${root}/`);
  const run = spawnSync('bash', ['-c', script], { env: { PATH: `${stubs}:${PYTHON_DIR}:/usr/bin:/bin`, STATE: state, STUBS: stubs, HOME: root }, encoding: 'utf8', timeout: 30_000 });
  const log = fs.existsSync(path.join(root, 'gpuburst-bootstrap.log')) ? fs.readFileSync(path.join(root, 'gpuburst-bootstrap.log'), 'utf8') : '';
  return {
    root,
    port,
    result: { status: run.status, log },
    status: () => parseBootstrapStatus(JSON.parse(fs.readFileSync(path.join(root, 'opt', 'bootstrap.json'), 'utf8'))),
    stop() {
      // The status server the script left running (its pid file), then the VM's folder.
      const pidFile = path.join(root, 'opt', 'status.pid');
      if (fs.existsSync(pidFile)) {
        try {
          process.kill(Number(fs.readFileSync(pidFile, 'utf8').trim()));
        } catch {
          // already gone
        }
      }
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

const vms: Vm[] = [];
afterEach(() => vms.splice(0).forEach((vm) => vm.stop()));
async function boot(image: Parameters<typeof bootVm>[0]): Promise<Vm> {
  const vm = await bootVm(image);
  vms.push(vm);
  return vm;
}

test('Lambda Stack (Docker without the NVIDIA runtime): the runtime is installed and the GPU container runs', async () => {
  const vm = await boot({ docker: true, toolkit: false });
  expect(vm.result).toMatchObject({ status: 0 });
  expect(fs.readFileSync(path.join(vm.root, 'state', 'container'), 'utf8')).toMatch(/--gpus all .*vastai\/comfy:v0\.3\.64/);
  expect(fs.existsSync(path.join(vm.root, 'state', 'nvidia'))).toBe(true);
  expect(JSON.parse(fs.readFileSync(path.join(vm.root, 'daemon.json'), 'utf8'))).toEqual({ 'exec-opts': ['native.cgroupdriver=cgroupfs'] });
  expect(fs.readFileSync(path.join(vm.root, 'agent-ran'), 'utf8')).toBe('agent tok en\n');
  expect(vm.status()).toEqual({ phase: 'done', state: 'running' });
});

test('ML-in-a-Box (NVIDIA toolkit without Docker): Docker is installed, the runtime configured, the container runs', async () => {
  const vm = await boot({ docker: false, toolkit: true });
  expect(vm.result).toMatchObject({ status: 0 });
  expect(fs.existsSync(path.join(vm.root, 'bin', 'docker'))).toBe(true);
  expect(fs.readFileSync(path.join(vm.root, 'state', 'container'), 'utf8')).toMatch(/--gpus all/);
  expect(vm.status()?.phase).toBe('done');
});

test('a failed step exits non-zero, records its phase as failed and serves it on the ComfyUI port; the client stops there', async () => {
  const vm = await boot({ docker: true, toolkit: false, toolkitInstallFails: true });
  expect(vm.result.status).toBe(100);
  expect(vm.result.log).toContain('gpuburst bootstrap: nvidia-runtime failed');
  expect(vm.status()).toEqual({ phase: 'nvidia-runtime', state: 'failed' });
  expect(fs.existsSync(path.join(vm.root, 'state', 'container'))).toBe(false);
  const client = new ComfyClient({ baseUrl: `http://127.0.0.1:${vm.port}`, token: 't', machineId: 'vm-1' });
  let err: unknown;
  for (let i = 0; i < 50 && !err; i++) {
    err = await client.isReady(1000).then(() => undefined, (e: unknown) => e);
    if (!err) await new Promise((r) => setTimeout(r, 100));
  }
  expect(err).toMatchObject({ code: 'ERR_PROVIDER', message: expect.stringContaining('installing the NVIDIA container runtime (phase nvidia-runtime)') });
});

test('phases are announced in order, each before its step', async () => {
  const vm = await boot({ docker: false, toolkit: false });
  const announced = [...vm.result.log.matchAll(/gpuburst bootstrap: (\S+)/g)].map((m) => m[1]);
  expect(announced).toEqual([...BOOTSTRAP_PHASES]);
});
