/**
 * The first-boot script for VM clouds (Lambda `user_data`, Paperspace startup script). Lambda Stack has Docker but
 * no NVIDIA container runtime; Paperspace ML-in-a-Box has the runtime but no Docker (reference §1.4). So each piece
 * is checked and installed on its own, in named phases; then the ComfyUI container runs with the spec's environment
 * and port, then the spec's boot script (the watchdog launcher) on the host with the same environment.
 *
 * Until the container takes ComfyUI's port, a tiny status server answers there with the phase
 * (`{"gpuburst_bootstrap":{"phase":"nvidia-runtime","state":"running"}}`, no secrets), so the client can show it; a
 * failed step (`set -e`) records its phase as failed and serves that, so the client ends the machine at once.
 * Environment values travel base64-encoded in one delimited block (BOOTSTRAP_ENV_BLOCK), so quoting can never break
 * the script; the VM simulators read that block back instead of executing bash (src/sim/common/bootstrap-env.ts).
 */
import type { MachineSpec } from './types';

/** The lines that open and close the environment block: `NAME=<base64 of the value>`, one per line, between them. */
export const BOOTSTRAP_ENV_BLOCK = { begin: "cat > /opt/gpuburst/env.b64 <<'GPUBURST_ENV'", end: 'GPUBURST_ENV' } as const;
const ENV_BEGIN = BOOTSTRAP_ENV_BLOCK.begin;
const ENV_END = BOOTSTRAP_ENV_BLOCK.end;

/** The phases, in order; the status server names the current one. */
export const BOOTSTRAP_PHASES = ['prepare', 'docker', 'nvidia-runtime', 'start-comfyui', 'agent', 'done'] as const;
export type BootstrapPhase = (typeof BOOTSTRAP_PHASES)[number];

/** What the status server answers on ComfyUI's port while the machine sets itself up. */
export interface BootstrapStatus {
  phase: BootstrapPhase;
  state: 'running' | 'failed';
}

/** Key of the status server's JSON answer; ComfyUI never answers with it. */
export const BOOTSTRAP_STATUS_KEY = 'gpuburst_bootstrap';

/** The status in a JSON answer from the machine's ComfyUI port, when the status server (not ComfyUI) answered. */
export function parseBootstrapStatus(body: unknown): BootstrapStatus | undefined {
  const s = (body as Record<string, unknown> | null)?.[BOOTSTRAP_STATUS_KEY] as Partial<BootstrapStatus> | undefined;
  if (!s || typeof s !== 'object' || !BOOTSTRAP_PHASES.includes(s.phase as BootstrapPhase)) return undefined;
  return { phase: s.phase as BootstrapPhase, state: s.state === 'failed' ? 'failed' : 'running' };
}

/** Words a client shows for a phase ("installing NVIDIA runtime…"). */
export const PHASE_WORDS: Record<BootstrapPhase, string> = {
  prepare: 'preparing the VM',
  docker: 'installing Docker',
  'nvidia-runtime': 'installing the NVIDIA container runtime',
  'start-comfyui': 'starting the ComfyUI container',
  agent: 'starting the gpuburst agent',
  done: 'set up',
};

const STATUS_FILE = '/opt/gpuburst/bootstrap.json';
// Answers every GET with the status file as JSON; python3 is on every Lambda Stack and ML-in-a-Box image.
const STATUS_SERVER =
  "import http.server,sys\nclass H(http.server.BaseHTTPRequestHandler):\n def do_GET(s):\n  b=open(sys.argv[1],'rb').read()\n  s.send_response(200);s.send_header('content-type','application/json');s.send_header('content-length',str(len(b)));s.end_headers();s.wfile.write(b)\n def log_message(s,*a):pass\nhttp.server.ThreadingHTTPServer(('0.0.0.0',int(sys.argv[2])),H).serve_forever()\n";

/** The shell functions every phase uses: record the phase, serve it, and on any failure record it as failed. */
function statusLines(port: number): string[] {
  return [
    `cat > /opt/gpuburst/status.py <<'GPUBURST_STATUS'\n${STATUS_SERVER}GPUBURST_STATUS`,
    `phase() { PHASE="$1"; printf '{"${BOOTSTRAP_STATUS_KEY}":{"phase":"%s","state":"%s"}}\\n' "$1" "\${2:-running}" > ${STATUS_FILE}.tmp && mv ${STATUS_FILE}.tmp ${STATUS_FILE}; echo "gpuburst bootstrap: $1 \${2:-}"; }`,
    `serve_status() { nohup python3 /opt/gpuburst/status.py ${STATUS_FILE} ${port} >/dev/null 2>&1 & STATUS_PID=$!; echo "$STATUS_PID" > /opt/gpuburst/status.pid; }`,
    // The container needs the port: stop the status server first; restart it if that step fails.
    `failed() { rc=$?; phase "$PHASE" failed; kill "\${STATUS_PID:-0}" 2>/dev/null || true; sleep 1; serve_status; exit "$rc"; }`,
    'trap failed ERR',
  ];
}

/** Each piece checked on its own: Docker, then the NVIDIA runtime inside Docker, then NVIDIA's apt repo if needed. */
function installLines(sshUser: string): string[] {
  return [
    'phase docker',
    'if ! command -v docker >/dev/null 2>&1; then',
    '  apt-get -y update && apt-get -y install docker.io',
    '  systemctl enable --now docker',
    'fi',
    `usermod -aG docker ${sshUser} 2>/dev/null || true`,
    'phase nvidia-runtime',
    'if ! docker info --format "{{json .Runtimes}}" | grep -q nvidia; then',
    '  if ! command -v nvidia-ctk >/dev/null 2>&1; then',
    // A plain Ubuntu has no NVIDIA apt repo; add NVIDIA's own before installing the toolkit (reference §1.5 item 5).
    '    if ! apt-cache policy nvidia-container-toolkit | grep -q "Candidate: [0-9]"; then',
    '      curl -fsSL https://nvidia.github.io/libnvidia-container/gpgkey | gpg --dearmor --yes -o /usr/share/keyrings/nvidia-container-toolkit-keyring.gpg',
    "      curl -fsSL https://nvidia.github.io/libnvidia-container/stable/deb/nvidia-container-toolkit.list | sed 's#deb https://#deb [signed-by=/usr/share/keyrings/nvidia-container-toolkit-keyring.gpg] https://#g' > /etc/apt/sources.list.d/nvidia-container-toolkit.list",
    '      apt-get -y update',
    '    fi',
    '    apt-get -y install nvidia-container-toolkit',
    '  fi',
    // cgroupfs keeps GPUs visible in containers after a host `systemctl daemon-reload` (dstack #2601, reference §1.4).
    `  [ -s /etc/docker/daemon.json ] || echo '{"exec-opts":["native.cgroupdriver=cgroupfs"]}' > /etc/docker/daemon.json`,
    '  nvidia-ctk runtime configure --runtime=docker',
    '  systemctl restart docker',
    'fi',
  ];
}

export function vmBootstrapScript(spec: MachineSpec, opts: { sshUser: string }): string {
  const envBlock = Object.entries(spec.env)
    .map(([k, v]) => `${k}=${Buffer.from(v, 'utf8').toString('base64')}`)
    .join('\n');
  const ports = spec.ports.map((p) => `-p ${p.port}:${p.port}`).join(' ');
  const mounts = (spec.sharedPaths ?? []).map((p) => `-v ${p}:${p}`).join(' ');
  const comfyPort = spec.ports[0]?.port ?? 8188;
  return [
    '#!/bin/bash',
    '# gpuburst first-boot script (runs once, as root). Log: /var/log/gpuburst-bootstrap.log',
    'set -eu',
    'umask 077',
    'mkdir -p /opt/gpuburst',
    'exec >>/var/log/gpuburst-bootstrap.log 2>&1',
    ...statusLines(comfyPort),
    'phase prepare',
    'serve_status',
    ENV_BEGIN,
    envBlock,
    ENV_END,
    // Decode into a Docker env file readable by root only, and drop the encoded copy.
    "while IFS='=' read -r k v; do [ -n \"$k\" ] && printf '%s=%s\\n' \"$k\" \"$(printf %s \"$v\" | base64 -d)\"; done < /opt/gpuburst/env.b64 > /opt/gpuburst/container.env",
    'rm -f /opt/gpuburst/env.b64',
    // First boot can hold the dpkg lock (unattended-upgrades); SkyPilot stops it for the same reason (docs/reference/lambda.md §5).
    'systemctl stop unattended-upgrades 2>/dev/null || true',
    ...installLines(opts.sshUser),
    'phase start-comfyui',
    'kill "$STATUS_PID" 2>/dev/null || true; sleep 1',
    ...(spec.sharedPaths ?? []).map((p) => `mkdir -p ${p}`),
    `docker run -d --restart unless-stopped --gpus all --name gpuburst-comfyui --env-file /opt/gpuburst/container.env ${ports} ${mounts} ${spec.image}`,
    'phase agent',
    // Export line by line (not `.`): values may hold spaces or quotes.
    spec.bootScript ? [`while IFS='=' read -r k v; do export "$k=$v"; done < /opt/gpuburst/container.env`, spec.bootScript].join('\n') : '',
    'phase done',
    '',
  ].join('\n');
}
