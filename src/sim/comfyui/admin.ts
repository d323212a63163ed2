/**
 * The simulator's own surface under `/_sim/` (no auth: loopback only, like the other simulators): state for
 * assertions and the faults a client must survive.
 */
import http from 'http';
import type { FaultQueue, FaultRule } from '../common/faults';
import type { App } from './app';

/** What the admin routes need of a simulator; declared here so admin.ts does not import index.ts (no cycle). */
export interface AdminTarget {
  app?: App;
  readonly faults: FaultQueue;
  readonly dirs: { input: string; output: string };
  crash(opts?: { restartAfterMs?: number }): Promise<void>;
  addModel(folder: string, name: string): void;
}

export async function handleAdmin(sim: AdminTarget, method: string, url: URL, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  let body: Record<string, unknown> = {};
  try {
    body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
  } catch {
    return void res.writeHead(400, { 'content-type': 'text/plain' }).end('bad JSON');
  }
  const ok = (data: unknown = { ok: true }) => void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(data));
  const route = `${method} ${url.pathname}`;
  switch (route) {
    case 'GET /_sim/state':
      return ok(simState(sim));
    case 'POST /_sim/crash':
      ok();
      return void sim.crash({ restartAfterMs: typeof body.restartAfterMs === 'number' ? body.restartAfterMs : undefined });
    case 'POST /_sim/faults':
      for (const rule of ((body.rules as FaultRule[]) ?? [body as unknown as FaultRule]).filter(Boolean)) sim.faults.add(rule);
      return ok({ faults: sim.faults.pending() });
    case 'DELETE /_sim/faults':
      sim.faults.clear();
      return ok();
    case 'POST /_sim/ws':
      if (sim.app && typeof body.silent === 'boolean') sim.app.hub.silent = body.silent;
      if (sim.app && typeof body.dropAtStep === 'number') sim.app.worker.faults.dropWsAtStep = body.dropAtStep;
      if (sim.app && body.drop) sim.app.hub.dropAll();
      return ok();
    case 'POST /_sim/fail-next':
      if (sim.app) sim.app.worker.faults.failNext = { exceptionType: String(body.exceptionType ?? 'Exception'), message: String(body.message ?? 'simulated failure'), nodeClass: body.nodeClass as string | undefined };
      return ok();
    case 'POST /_sim/models':
      try {
        sim.addModel(String(body.folder), String(body.name));
      } catch (err) {
        return void res.writeHead(400, { 'content-type': 'text/plain' }).end((err as Error).message);
      }
      return ok();
  }
  res.writeHead(404, { 'content-type': 'text/plain' }).end('unknown simulator route');
}

function simState(sim: AdminTarget) {
  const app = sim.app;
  return {
    up: Boolean(app),
    running: app ? [...app.queue.running.values()].map((i) => i[1]) : [],
    pending: app ? app.queue.heap.map((i) => i[1]) : [],
    historySize: app?.queue.history.size ?? 0,
    sockets: app?.hub.sockets.size ?? 0,
    starts: app?.worker.starts ?? [],
    outputDir: sim.dirs.output,
    inputDir: sim.dirs.input,
  };
}
