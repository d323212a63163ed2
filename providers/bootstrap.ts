/**
 * The first-boot script for VM clouds (Lambda `user_data`, Paperspace startup script): install Docker if the image
 * lacks it, run the ComfyUI container with the spec's environment and port, then run the spec's boot script (the
 * watchdog launcher) on the host with the same environment. Environment values travel base64-encoded in one
 * delimited block (BOOTSTRAP_ENV_BLOCK), so quoting can never break the script; the VM simulators read that block
 * back instead of executing bash (src/sim/common/bootstrap-env.ts).
 */
import type { MachineSpec } from './types';

/** The lines that open and close the environment block: `NAME=<base64 of the value>`, one per line, between them. */
export const BOOTSTRAP_ENV_BLOCK = { begin: "cat > /opt/gpuburst/env.b64 <<'GPUBURST_ENV'", end: 'GPUBURST_ENV' } as const;
const ENV_BEGIN = BOOTSTRAP_ENV_BLOCK.begin;
const ENV_END = BOOTSTRAP_ENV_BLOCK.end;

export function vmBootstrapScript(spec: MachineSpec, opts: { sshUser: string }): string {
  const envBlock = Object.entries(spec.env)
    .map(([k, v]) => `${k}=${Buffer.from(v, 'utf8').toString('base64')}`)
    .join('\n');
  const ports = spec.ports.map((p) => `-p ${p.port}:${p.port}`).join(' ');
  const mounts = (spec.sharedPaths ?? []).map((p) => `-v ${p}:${p}`).join(' ');
  return [
    '#!/bin/bash',
    '# gpuburst first-boot script (runs once, as root).',
    'set -eu',
    'umask 077',
    'mkdir -p /opt/gpuburst',
    ENV_BEGIN,
    envBlock,
    ENV_END,
    // Decode into a Docker env file readable by root only, and drop the encoded copy.
    "while IFS='=' read -r k v; do [ -n \"$k\" ] && printf '%s=%s\\n' \"$k\" \"$(printf %s \"$v\" | base64 -d)\"; done < /opt/gpuburst/env.b64 > /opt/gpuburst/container.env",
    'rm -f /opt/gpuburst/env.b64',
    // First boot can hold the dpkg lock (unattended-upgrades); SkyPilot stops it for the same reason (docs/reference/lambda.md §5).
    'if ! command -v docker >/dev/null 2>&1; then',
    '  systemctl stop unattended-upgrades 2>/dev/null || true',
    '  apt-get -y update && apt-get -y install docker.io nvidia-container-toolkit',
    '  nvidia-ctk runtime configure --runtime=docker || true',
    '  systemctl restart docker',
    'fi',
    `usermod -aG docker ${opts.sshUser} 2>/dev/null || true`,
    ...(spec.sharedPaths ?? []).map((p) => `mkdir -p ${p}`),
    `docker run -d --restart unless-stopped --gpus all --name gpuburst-comfyui --env-file /opt/gpuburst/container.env ${ports} ${mounts} ${spec.image}`,
    // Export line by line (not `.`): values may hold spaces or quotes.
    spec.bootScript ? [`while IFS='=' read -r k v; do export "$k=$v"; done < /opt/gpuburst/container.env`, spec.bootScript].join('\n') : '',
    '',
  ].join('\n');
}
