/**
 * Startup scripts and OS templates of the simulated v1 API (docs/reference/paperspace.md §2, §3). Scripts are stored with their
 * text; a machine reads its script when it first boots, so deleting it before then leaves the VM without ComfyUI.
 */
import type { SimRequest, SimResponse } from '../common/server';
import { SimTemplate, TEMPLATES } from './catalog';
import { scriptJson, SimScript } from './model';
import { fail, ok, page, parseRequest } from './protocol';
import type { World } from './world';


export function scriptRoutes(world: World, opts: { defaultPageLimit: number }) {
  const live = (id: string): SimScript | undefined => {
    const s = world.scripts.get(id);
    return s && !s.dtDeleted ? s : undefined;
  };
  const notFound = (id: string) => fail('NOT_FOUND', `Startup script ${id} not found`);

  function create(req: SimRequest): SimResponse {
    const parsed = parseRequest<{ name: string; script: string; isRunOnce?: boolean }>(req, 'createStartupScript');
    if ('error' in parsed) return parsed.error;
    const s: SimScript = {
      id: world.id('sc'),
      name: parsed.value.name,
      script: parsed.value.script,
      isRunOnce: parsed.value.isRunOnce ?? false,
      isEnabled: true,
      assignedMachineIds: [],
      dtCreated: new Date().toISOString(),
      dtDeleted: null,
    };
    world.scripts.set(s.id, s);
    return ok(scriptJson(s));
  }

  function list(req: SimRequest): SimResponse {
    const name = req.query.get('name');
    const all = [...world.scripts.values()].filter((s) => !s.dtDeleted && (name === null || s.name === name));
    return page(req, all, { orderBy: ['dtCreated', 'name'], defaultLimit: opts.defaultPageLimit }, (s, f) => (f === 'name' ? s.name : s.dtCreated), scriptJson);
  }

  function remove(req: SimRequest): SimResponse {
    const s = live(req.params.id);
    if (!s) return notFound(req.params.id);
    s.dtDeleted = new Date().toISOString();
    return ok(scriptJson(s));
  }

  function templates(req: SimRequest): SimResponse {
    const name = req.query.get('name');
    const all = TEMPLATES.filter((t) => name === null || t.name === name);
    return page<SimTemplate>(req, all, { orderBy: ['name'], defaultLimit: opts.defaultPageLimit }, (t) => t.name, (t) => t);
  }

  return {
    create,
    list,
    remove,
    templates,
    get: (req: SimRequest) => {
      const s = live(req.params.id);
      return s ? ok(scriptJson(s)) : notFound(req.params.id);
    },
  };
}
