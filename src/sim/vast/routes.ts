/**
 * The Vast API surface the adapter uses, with Vast's paths, envelopes and errors (docs/reference/vast.md §2–§4, §6, §7).
 * Every handler: auth (account key, or a per-instance key for its own start/stop/destroy), then the
 * per-endpoint rate limit, then the request itself.
 */
import type { Handler, SimRequest, SimResponse, SimServer } from '../common/server';
import { checkRequest } from '../api-schemas';
import { parseCreate } from './create-request';
import { AUTH_ERROR, callerOf, Caller, RateLimiter, SCOPE_ERROR, SimEndpoint } from './guard';
import { search, VastHost } from './inventory';
import type { InstanceStore } from './instances';
import { listInstances } from './list-v1';
import { renderInstance, SimInstance } from './render';

export interface RouteContext {
  hosts: VastHost[];
  store: InstanceStore;
  accountKeys: Set<string>;
  limiter: RateLimiter;
  publicIp: string;
  comfyPort: number;
}

type Access = 'public' | 'account' | 'instance-control';
type Guarded = (req: SimRequest, caller: Caller) => SimResponse | Promise<SimResponse>;

const bad = (msg: string, error = 'invalid_args'): SimResponse => ({ status: 400, body: { success: false, error, msg } });
const INSTANCE_NOT_FOUND: SimResponse = { status: 404, body: { success: false, error: 'not_found', msg: 'Instance not found' } };

export function registerRoutes(server: SimServer, ctx: RouteContext): void {
  const guard = (endpoint: SimEndpoint | undefined, access: Access, fn: Guarded): Handler => (req) => {
    const caller = callerOf(req, ctx.accountKeys, ctx.store.instanceKeys);
    if (!caller || (caller.kind === 'anonymous' && access !== 'public')) return AUTH_ERROR;
    if (caller.kind === 'instance' && (access !== 'instance-control' || Number(req.params.id) !== caller.instanceId)) return SCOPE_ERROR;
    const limited = endpoint && ctx.limiter.check(endpoint, caller.kind === 'anonymous' ? 'anonymous' : caller.key);
    if (limited) return limited;
    if (req.bodyError) return bad(`Invalid JSON body: ${req.bodyError}`);
    return fn(req, caller);
  };
  const render = (i: SimInstance) => renderInstance(i, ctx);
  const instanceOr = (req: SimRequest, fn: (i: SimInstance) => SimResponse | Promise<SimResponse>): SimResponse | Promise<SimResponse> => {
    if (!/^\d+$/.test(req.params.id)) return bad('invalid instance_id');
    const inst = ctx.store.get(Number(req.params.id));
    return inst ? fn(inst) : INSTANCE_NOT_FOUND;
  };

  server.route('GET', '/api/v0/users/current/', guard(undefined, 'account', () => ({ status: 200, body: { id: 1, email: 'sim@vast.local', credit: 100, ssh_key: null } })));

  // Search is public (gpuhunt calls it without a key), but a key that is sent must be valid.
  server.route('POST', '/api/v0/bundles/', guard('search', 'public', (req) => {
    const offers = search({ hosts: ctx.hosts, inUse: (id) => ctx.store.slotsInUse(id), query: req.body });
    return typeof offers === 'string' ? bad(offers) : { status: 200, body: { offers } };
  }));

  server.route('PUT', '/api/v0/asks/:id/', guard('create', 'account', (req) => {
    const askId = req.params.id;
    if (!/^\d+$/.test(askId)) return bad("error 400/3467: Invalid args: 'id' is required and must be a valid offer ID");
    const parsed = parseCreate(req.body);
    if (typeof parsed === 'string') return { status: 400, body: { success: false, error: 'invalid_args', msg: parsed, ask_id: Number(askId) } };
    const host = ctx.hosts.find((h) => h.id === Number(askId));
    const outraced = host !== undefined && host.outracedCreates > 0;
    if (outraced) host.outracedCreates--;
    if (!host || outraced || !host.rentable || ctx.store.slotsInUse(host.id) >= host.slots) {
      const msg = `error 404/3603: no_such_ask Instance type by id ${askId} is not available.`;
      return { status: 404, body: { success: false, error: 'invalid_args', msg, ask_id: Number(askId) } };
    }
    // Defaults: false for interruptibles, true for on-demand with target_state running (create_instance.yaml).
    const cancelUnavail = parsed.cancelUnavail ?? (parsed.price === undefined && parsed.targetState === 'running');
    if (!host.startable && cancelUnavail) {
      const msg = `error 410/3907: no_such_ask Instance type ${askId} is no longer available.`;
      return { status: 410, body: { success: false, error: 'no_such_ask', msg, ask_id: Number(askId) } };
    }
    if (parsed.price !== undefined && parsed.price < host.min_bid) {
      // Vast leaves a stopped contract behind a refused bid and names it (docs/reference/vast.md §3, dstack).
      const inst = ctx.store.create(host, { ...parsed, targetState: 'stopped' });
      const msg = `error 400/3468: bid ${parsed.price} is below the minimum ${host.min_bid} for ask ${askId}`;
      return { status: 400, body: { success: false, error: 'invalid_price', msg, ask_id: Number(askId), new_contract: inst.id } };
    }
    const inst = ctx.store.create(host, parsed);
    return { status: 200, body: { success: true, new_contract: inst.id, instance_api_key: inst.apiKey } };
  }));

  server.route('GET', '/api/v0/instances/:id/', guard('show', 'account', (req) => {
    if (!/^\d+$/.test(req.params.id)) return bad('invalid instance_id');
    const inst = ctx.store.get(Number(req.params.id));
    // One object under a plural key; null for an id the account does not have (docs/reference/vast.md §4).
    return { status: 200, body: { instances: inst ? render(inst) : null } };
  }));

  server.route('PUT', '/api/v0/instances/:id/', guard('manage', 'instance-control', (req, caller) =>
    instanceOr(req, (inst) => {
      // Checked against Vast's description of this body (state enum, label length); "at least one" is Vast's rule.
      const problems = checkRequest('vast', 'manageInstance', req.body ?? {});
      const body = (req.body ?? {}) as { state?: 'stopped' | 'running'; label?: string };
      if (problems.length) {
        const labelProblem = problems.some((p) => p.path === '$.label');
        return bad(problems.map((p) => `${p.path.slice(2) || 'body'} ${p.message}`).join('; '), labelProblem ? 'label_too_long' : undefined);
      }
      if (body.label !== undefined) {
        if (caller.kind !== 'account') return SCOPE_ERROR;
        inst.label = body.label;
      }
      if (body.state === 'stopped') ctx.store.stop(inst);
      else if (body.state === 'running') ctx.store.start(inst);
      else if (body.label === undefined) return bad('nothing to change: send state or label');
      return { status: 200, body: { success: true } };
    })));

  server.route('DELETE', '/api/v0/instances/:id/', guard('destroy', 'instance-control', (req) =>
    instanceOr(req, async (inst) => {
      await ctx.store.destroy(inst);
      return { status: 200, body: { success: true, msg: 'Instance destroyed successfully' } };
    })));

  server.route('GET', '/api/v1/instances/', guard('list', 'account', (req) => listInstances(req.query, ctx.store.all.filter((i) => !i.destroyed), render)));
}
