/**
 * A stand-in for the Comfy registry (api.comfy.org) in simulated sessions: `GET /nodes/{id}/install?version=v`
 * answers `{downloadUrl}` for a published version and 404 otherwise, and the URL serves the pack as a zip, as the
 * real registry hands out its archives. Packs are published from files given here (built into a zip by python3's
 * zipfile, the same module the agent extracts with).
 */
import { spawnSync } from 'child_process';
import fs from 'fs';
import http from 'http';
import os from 'os';
import path from 'path';
import type { AddressInfo } from 'net';
import { findPython } from './common/agent-launcher';

export interface NodeRegistry {
  url: string;
  /** Publishes `id@version` with these files (path → content). */
  publish(id: string, version: string, files: Record<string, string>): void;
  close(): Promise<void>;
}

/** Writes `files` below `dir` (the layout of a node pack). */
export function writePack(dir: string, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), content);
  }
}

export async function startNodeRegistry(python = findPython() ?? 'python3'): Promise<NodeRegistry> {
  const zips = new Map<string, Buffer>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://registry.local');
    const install = /^\/nodes\/([^/]+)\/install$/.exec(url.pathname);
    const key = install ? `${decodeURIComponent(install[1])}@${url.searchParams.get('version') ?? ''}` : decodeURIComponent(url.pathname.replace(/^\/archives\//, ''));
    if (install && zips.has(key)) {
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ id: install[1], version: url.searchParams.get('version'), downloadUrl: `${registry.url}/archives/${encodeURIComponent(key)}` }));
    }
    const zip = url.pathname.startsWith('/archives/') ? zips.get(key) : undefined;
    if (zip) {
      res.writeHead(200, { 'content-type': 'application/zip', 'content-length': String(zip.length) });
      return void res.end(zip);
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ message: 'Node version not found' }));
  });
  const registry: NodeRegistry = {
    url: '',
    publish(id, version, files) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-registry-'));
      try {
        writePack(path.join(dir, 'pack'), files);
        const zip = path.join(dir, 'pack.zip');
        const made = spawnSync(python, ['-c', 'import sys,zipfile,os\nz=zipfile.ZipFile(sys.argv[1],"w")\nfor r,_,fs in os.walk(sys.argv[2]):\n  for f in fs:\n    p=os.path.join(r,f); z.write(p,os.path.relpath(p,sys.argv[2]))\nz.close()', zip, path.join(dir, 'pack')]);
        if (made.status !== 0) throw new Error(`could not build the zip of ${id}@${version}: ${made.stderr}`);
        zips.set(`${id}@${version}`, fs.readFileSync(zip));
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  registry.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return registry;
}
