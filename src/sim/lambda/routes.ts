/**
 * The API surface of the Lambda simulator under `/api/v1` (docs/reference/lambda.md §2–§7): auth (Bearer, or Basic as curl -u
 * sends it), the account rate limit, `{"data": ...}` on success and the error envelope otherwise.
 */
import type http from 'http';
import type { SimRequest, SimResponse, SimServer } from '../common/server';
import type { Capacity } from './capacity';
import { INSTANCE_TYPES, REGIONS, regionByName } from './catalog';
import { invalidApiKey, invalidParameters, LambdaApiError, launchResourceNotFound, notFound } from './errors';
import { FilesystemStore, mountPoint } from './filesystems';
import type { FirewallStore } from './firewall';
import type { Fleet } from './fleet';
import { instanceJson } from './instance-json';
import { checkLambdaRequest, parseLaunch } from './launch-request';
import type { RateLimiter } from './rate-limit';
import type { SshKeyStore } from './ssh-keys';

export const API_PREFIX = '/api/v1';

export interface RouteContext {
  apiKeys: Set<string>;
  limiter: RateLimiter;
  fleet: Fleet;
  capacity: Capacity;
  firewall: FirewallStore;
  sshKeys: SshKeyStore;
  filesystems: FilesystemStore;
}

type Handler = (req: SimRequest) => unknown;

export function registerRoutes(server: SimServer, ctx: RouteContext): void {
  const api = (method: string, path: string, handler: Handler, isLaunch = false) =>
    server.route(method, API_PREFIX + path, (req) =>
      guarded(ctx, req, async () => {
        ctx.limiter.admit(isLaunch);
        return { status: 200, body: { data: await handler(req) } };
      }),
    );

  api('GET', '/instance-types', () =>
    Object.fromEntries(
      INSTANCE_TYPES.map((t) => [t.name, { instance_type: t, regions_with_capacity_available: ctx.capacity.regionsWithCapacity(t.name).map(regionByName) }]),
    ),
  );
  api('GET', '/regions', () => REGIONS);

  api('GET', '/instances', () => ctx.fleet.live().map(instanceJson));
  api('GET', '/instances/:id', (req) => instanceJson(ctx.fleet.get(req.params.id)));
  api('POST', '/instances/:id', (req) => {
    const inst = ctx.fleet.get(req.params.id);
    const { name } = objectBody(req);
    if (typeof name !== 'string' || name.length > 64) throw invalidParameters('name: Must be 64 characters or fewer.');
    inst.params.name = name;
    return instanceJson(inst);
  });
  api('POST', '/instance-operations/launch', (req) => launch(ctx, objectBody(req)), true);
  api('POST', '/instance-operations/terminate', async (req) => {
    const body = objectBody(req);
    checkLambdaRequest('terminate', body);
    const ids = body.instance_ids as string[];
    // The schema allows an empty list; Lambda's terminate needs at least one id.
    if (ids.length === 0) throw invalidParameters('instance_ids: field required.');
    return { terminated_instances: (await ctx.fleet.terminate(ids)).map(instanceJson) };
  });

  api('GET', '/ssh-keys', () => ctx.sshKeys.list());
  api('POST', '/ssh-keys', (req) => ctx.sshKeys.add(objectBody(req)));
  api('DELETE', '/ssh-keys/:id', (req) => {
    ctx.sshKeys.delete(req.params.id);
    return {};
  });

  api('GET', '/file-systems', () => ctx.filesystems.volumes.list().map((v) => ctx.filesystems.json(v)));
  api('POST', '/filesystems', (req) => ctx.filesystems.json(ctx.filesystems.create(objectBody(req))));
  api('DELETE', '/filesystems/:id', (req) => ctx.filesystems.delete(req.params.id));

  api('GET', '/firewall-rulesets', () => ctx.firewall.list().map((rs) => ctx.firewall.json(rs)));
  api('POST', '/firewall-rulesets', (req) => ctx.firewall.json(ctx.firewall.create(objectBody(req))));
  api('GET', '/firewall-rulesets/global', () => ({ id: 'global', name: 'Default Workspace Global Rules', rules: ctx.firewall.globalRules }));
  api('GET', '/firewall-rulesets/:id', (req) => ctx.firewall.json(ctx.firewall.get(req.params.id)));
  api('DELETE', '/firewall-rulesets/:id', (req) => {
    ctx.firewall.delete(req.params.id);
    return {};
  });
}

/** Unknown paths and methods: 401 without a valid key, else `global/not-found`. */
export function unknownRoute(ctx: RouteContext): (req: SimRequest) => SimResponse {
  return (req) => (authorized(req.headers, ctx.apiKeys) ? notFound() : invalidApiKey()).response();
}

async function guarded(ctx: RouteContext, req: SimRequest, run: () => Promise<SimResponse>): Promise<SimResponse> {
  try {
    if (!authorized(req.headers, ctx.apiKeys)) throw invalidApiKey();
    return await run();
  } catch (err) {
    if (err instanceof LambdaApiError) return err.response();
    throw err;
  }
}

function launch(ctx: RouteContext, body: Record<string, unknown>): { instance_ids: string[] } {
  const p = parseLaunch(body);
  const region = regionByName(p.regionName);
  // BREV sees unknown regions as invalid-parameters "... Region ... does not exist" (docs/reference/lambda.md §7).
  if (!region) throw invalidParameters(`Region ${p.regionName} does not exist.`);
  const type = INSTANCE_TYPES.find((t) => t.name === p.typeName);
  if (!type) throw invalidParameters(`Instance type ${p.typeName} does not exist.`);
  if (!ctx.sshKeys.hasName(p.sshKeyName)) throw launchResourceNotFound(`SSH key ${p.sshKeyName}`);
  for (const name of p.fileSystemNames) {
    const fs = ctx.filesystems.byName(name);
    if (!fs) throw launchResourceNotFound(`Filesystem ${name}`);
    if (fs.region !== region.name) {
      throw new LambdaApiError(400, 'instance-operations/launch/file-system-in-wrong-region', `Filesystem ${name} is in ${fs.region}, not in ${region.name}.`, 'Launch in the region of the filesystem.');
    }
  }
  for (const id of p.rulesetIds) {
    const rs = ctx.firewall.find(id);
    if (!rs) throw launchResourceNotFound(`Firewall ruleset ${id}`);
    if (rs.region.name !== region.name) throw invalidParameters('The firewall rulesets must exist in the same region as the instance.');
  }
  ctx.capacity.take(type.name, region.name);
  const mounts = p.fileSystemNames.map((name) => {
    const v = ctx.filesystems.byName(name)!;
    return { id: v.id, path: mountPoint(name), dir: v.dir };
  });
  return { instance_ids: [ctx.fleet.launch(p, type, region, mounts).id] };
}

function objectBody(req: SimRequest): Record<string, unknown> {
  if (req.bodyError !== undefined) throw invalidParameters('Request body is not valid JSON.');
  const body = req.body;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw invalidParameters('Request body must be a JSON object.');
  return body as Record<string, unknown>;
}

/** Bearer <key>; Basic base64("<key>:") as curl -u sends it; Basic <key> as the spec also allows (docs/reference/lambda.md §1). */
function authorized(headers: http.IncomingHttpHeaders, keys: Set<string>): boolean {
  const m = /^(Bearer|Basic)\s+(\S+)$/i.exec(String(headers.authorization ?? '').trim());
  if (!m) return false;
  if (m[1].toLowerCase() === 'bearer') return keys.has(m[2]);
  const decoded = Buffer.from(m[2], 'base64').toString('utf8');
  const candidates = [decoded.replace(/:$/, ''), m[2]];
  return candidates.some((k) => keys.has(k));
}
