/**
 * The machine's disk, sized from what goes on it instead of a fixed 60 GB: each model's size from a HEAD request
 * (redirects followed here, a token only to its own host, as the agent does), plus the image and a margin. Video
 * models alone pass 40 GB (machines-and-user-needs.md §1.5 item 9). The template's size stays the floor
 * (GPUBURST_DISK_FLOOR_GB lowers or raises it); a size no server states counts as unknown and adds nothing.
 */
import { BadInputError } from '../../../providers/errors';
import { send } from '../../../providers/transport';
import type { AgentModel } from './config';

/** Room for the ComfyUI image, its venv, custom nodes and outputs beside the models. */
const BASE_GB = 30;
/** Models grow by their .part while downloading and by what the user adds; a fifth more is the margin. */
const MARGIN = 1.2;
const TOKEN_HOSTS: Record<string, string[]> = { HF_TOKEN: ['huggingface.co', 'hf.co'], CIVITAI_TOKEN: ['civitai.com'] };
const DEADLINES = { connectMs: 10_000, headersMs: 15_000, bodyMs: 15_000, maxBodyBytes: 1 << 20 };

const hostOf = (url: URL) => url.hostname.toLowerCase().replace(/^www\./, '');

function tokenHeader(m: AgentModel, url: URL, tokens: Record<string, string>): Record<string, string> {
  const name = m.auth ?? Object.keys(TOKEN_HOSTS).find((n) => TOKEN_HOSTS[n].includes(hostOf(new URL(m.url))));
  const hosts = m.auth ? [hostOf(new URL(m.url))] : (TOKEN_HOSTS[name ?? ''] ?? []);
  const token = name ? tokens[name] : undefined;
  return token && hosts.includes(hostOf(url)) ? { authorization: `Bearer ${token}` } : {};
}

/** Bytes of one model, or undefined when no server says. `proxy`: the simulators' stand-in internet. */
export async function modelBytes(m: AgentModel, tokens: Record<string, string> = {}, proxy?: string): Promise<number | undefined> {
  let url = new URL(m.url);
  for (let hop = 0; hop < 10; hop++) {
    const target = proxy ? new URL(`${proxy.replace(/\/$/, '')}/fetch?url=${encodeURIComponent(url.href)}`) : url;
    const res = await send({ url: target, method: 'HEAD', headers: { 'user-agent': 'gpuburst', ...tokenHeader(m, url, tokens) }, deadlines: DEADLINES, stream: false }).catch(() => undefined);
    if (!res) return undefined;
    if (res.status >= 300 && res.status < 400 && res.headers.location) {
      url = new URL(res.headers.location, url);
      continue;
    }
    const bytes = Number(res.headers['content-length']);
    return res.status >= 200 && res.status < 300 && bytes > 0 && !/text\/html/i.test(res.headers['content-type'] ?? '') ? bytes : undefined;
  }
  return undefined;
}

/** Disk for a machine holding these models: at least `floorGb`. */
export function diskGbFor(modelSizes: (number | undefined)[], floorGb: number): number {
  const modelsGb = modelSizes.reduce<number>((sum, b) => sum + (b ?? 0), 0) / 1e9;
  return Math.max(floorGb, Math.ceil(BASE_GB + modelsGb * MARGIN));
}

/** The floor GPUBURST_DISK_FLOOR_GB sets; undefined keeps the template's size. */
export function diskFloorGb(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env.GPUBURST_DISK_FLOOR_GB;
  if (raw === undefined || raw === '') return undefined;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < 10 || v > 10_000) throw new BadInputError(`GPUBURST_DISK_FLOOR_GB=${raw}: must be a whole number of GB from 10 to 10000`);
  return v;
}

/**
 * Sizes of the batch's models for a rented machine. Real runs ask the servers; a simulated run asks the stand-in
 * internet and skips the question when it has none (tests without one must not reach for the real internet).
 */
export async function modelSizes(models: AgentModel[], tokens: Record<string, string> | undefined, env: NodeJS.ProcessEnv): Promise<(number | undefined)[]> {
  const proxy = env.GPUBURST_DOWNLOAD_PROXY;
  if (env.GPUBURST_SIMULATED === '1' && !proxy) return models.map(() => undefined);
  // Never rejects: the plan may fail before it awaits these, and a size unknown only keeps the disk floor.
  return Promise.all(models.map((m) => modelBytes(m, tokens, proxy).catch(() => undefined)));
}
