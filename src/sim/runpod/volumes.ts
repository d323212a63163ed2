/**
 * Network volumes of the RunPod simulator (v2 `/v2/network-volumes`, docs v2 openapi; pricing docs/reference/runpod.md §6):
 * list, create (body checked against `CreateNetworkVolumeRequest`: name, size 10–4096 GB, dataCenter, no other
 * field), get, delete. A volume is a real folder (../common/volumes.ts) billed per allocated GB until deleted. A pod
 * mounts one only in the volume's data center (`NetworkMount.volumeId`: "an existing NetworkVolume in the same data
 * center as the pod"); deleting a volume a live pod mounts is refused [I: the API text says nothing; the console
 * refuses it].
 */
import type { Handler, SimRequest, SimResponse, SimServer } from '../common/server';
import { VolumeStore } from '../common/volumes';
import { checkRequest } from '../api-schemas';
import { problem } from './problem';

/** Data center ids RunPod lists (docs/reference/runpod.md §2.3); a volume elsewhere is refused. */
const KNOWN_DATA_CENTERS = new Set('EU-RO-1 CA-MTL-1 EU-SE-1 US-IL-1 EUR-IS-1 EU-CZ-1 US-TX-3 EUR-IS-2 US-KS-2 US-GA-2 US-WA-1 US-TX-1 CA-MTL-3 EU-NL-1 US-TX-4 US-CA-2 US-NC-1 OC-AU-1 US-DE-1 EUR-IS-3 CA-MTL-2 AP-JP-1 EUR-NO-1 EU-FR-1 US-KS-3 US-GA-1'.split(' '));

/** $0.07/GB/month below 1 TB, $0.05 above (docs/reference/runpod.md §6). */
function volumeUsdPerMonth(sizeGb: number): number {
  return sizeGb * (sizeGb > 1000 ? 0.05 : 0.07);
}

export function newVolumeStore(): VolumeStore {
  return new VolumeStore((v) => volumeUsdPerMonth(v.sizeGb ?? 0), () => randomId(10));
}

export interface VolumeRouteDeps {
  volumes: VolumeStore;
  /** Names of live pods mounting the volume. */
  mountedBy: (volumeId: string) => string[];
}

type Guard = (handler: (req: SimRequest) => SimResponse) => Handler;

export function registerVolumes(server: SimServer, guard: Guard, deps: VolumeRouteDeps): void {
  const { volumes } = deps;
  const json = (v: { id: string; name: string; sizeGb?: number; region: string }) => ({ id: v.id, name: v.name, size: v.sizeGb, dataCenter: v.region, type: 'STANDARD' });

  server.route('GET', '/v2/network-volumes', guard(() => ({ status: 200, body: { networkVolumes: volumes.list().map(json) } })));

  server.route('POST', '/v2/network-volumes', guard((req) => {
    if (req.bodyError !== undefined || req.body === undefined) return problem(400, 'request body is not valid JSON');
    const errors = checkRequest('runpod', 'createNetworkVolume', req.body).map((p) => `${p.path}: ${p.properties.length ? `${p.keyword} '${p.properties[0]}'` : p.message}`);
    if (errors.length) return problem(422, 'Request validation failed.', { errors });
    const b = req.body as { name: string; size: number; dataCenter: string };
    if (!KNOWN_DATA_CENTERS.has(b.dataCenter)) return problem(400, `data center "${b.dataCenter}" does not exist or offers no network volumes`);
    return { status: 201, body: json(volumes.create({ name: b.name, region: b.dataCenter, sizeGb: b.size })) };
  }));

  server.route('GET', '/v2/network-volumes/:id', guard((req) => {
    const v = volumes.get(req.params.id);
    return v ? { status: 200, body: json(v) } : problem(404, 'network volume not found');
  }));

  server.route('DELETE', '/v2/network-volumes/:id', guard((req) => {
    const v = volumes.get(req.params.id);
    if (!v) return problem(404, 'network volume not found');
    const pods = deps.mountedBy(v.id);
    if (pods.length) return problem(409, `network volume ${v.id} is attached to pod(s) ${pods.join(', ')}; terminate them first`);
    volumes.delete(v.id);
    return { status: 204 };
  }));

  server.route('PATCH', '/v2/network-volumes/:id', guard(() => problem(501, 'updating a network volume is not simulated')));
}

function randomId(length: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from({ length }, () => alphabet[Math.floor(Math.random() * alphabet.length)]).join('');
}
