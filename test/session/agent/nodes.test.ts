/**
 * The real agent (python3) installing custom node packs before anything else: a git pack pinned to a tag (from a
 * local bare repository), a registry pack (from the simulated registry), ComfyUI restarted once after, and every
 * failure naming the pack and the failing command's last lines, with no model downloaded after it.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { nodePack } from '../../../src/comfy/batch/nodes';
import { agentEnv, AgentModel, AgentSettings } from '../../../src/session/agent/config';
import { agentLauncher } from '../../../src/sim/common/agent-launcher';
import { Cdn, startCdn } from '../../../src/sim/cdn';
import { NodeRegistry, startNodeRegistry } from '../../../src/sim/node-registry';
import { bareNodeRepo as bareRepo } from '../support/git-pack';

const base: AgentSettings = { heartbeatMinutes: 10, idleMinutes: 10, maxLifetimeMinutes: 60, usdPerHour: 1, billedBeforeStartSeconds: 0, pollSeconds: 0.1, models: [] };
const MODEL: AgentModel = { name: 'a.safetensors', folder: 'checkpoints', url: 'https://example.org/a.safetensors' };
describe('agent custom node packs (python3)', () => {
  let dir: string;
  let cdn: Cdn;
  let registry: NodeRegistry;
  const stops: (() => Promise<void>)[] = [];

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-nodes-'));
    cdn = await startCdn();
    registry = await startNodeRegistry();
  });

  afterEach(async () => {
    for (const s of stops.splice(0)) await s();
    await cdn.close();
    await registry.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function run(nodes: AgentSettings['nodes'], models: AgentModel[] = [MODEL]) {
    const launch = agentLauncher({ dirsFor: () => ({ input: path.join(dir, 'comfy', 'input'), models: path.join(dir, 'comfy', 'models') }), downloadProxy: cdn.url, logDir: dir });
    const env = {
      ...agentEnv({ ...base, nodes, models }, 'gpuburst-x-mine'),
      WEB_TOKEN: 'tok',
      GPUBURST_NODE_REGISTRY: registry.url,
      GPUBURST_COMFY_RESTART: `echo restarted >> ${path.join(dir, 'restarts')}`,
      GPUBURST_PIP: JSON.stringify(['python3', '-m', 'pip', 'install', '--no-index']),
    };
    const running = await launch({ provider: 'runpod', machineId: 'pod-1', name: 'gpuburst-x-mine', env, comfyUrl: 'http://127.0.0.1:9', token: 'tok' });
    stops.push(() => running!.stop());
    const file = path.join(dir, 'comfy', 'input', 'gpuburst', 'status.json');
    const read = () => (fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {});
    const settled = () => {
      const st = read();
      const nodeStates = Object.values(st.nodes ?? {}).map((n) => (n as { state: string }).state);
      if (nodeStates.includes('failed')) return st;
      const modelStates = Object.values(st.models ?? {}).map((m) => (m as { state: string }).state);
      return st.nodesReady && modelStates.length === models.length && !modelStates.includes('downloading') ? st : undefined;
    };
    const end = Date.now() + 60_000;
    while (!settled() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    return read();
  }
  const nodesDir = () => path.join(dir, 'comfy', 'custom_nodes');

  test('a git pack pinned to a tag and a registry pack are installed, ComfyUI restarts once, then models are placed', async () => {
    const bare = bareRepo(dir);
    registry.publish('comfyui-kjnodes', '1.1.0', { '__init__.py': 'NODE_CLASS_MAPPINGS = {"KJThing": object}\n', 'nodes/x.py': 'X = 1\n' });
    const st = await run([nodePack(`file://${bare}@v1.0`), nodePack('comfyui-kjnodes@1.1.0')]);
    expect(st.nodes).toEqual({ 'ComfyUI-Good': { state: 'done' }, 'comfyui-kjnodes': { state: 'done' } });
    expect(fs.readFileSync(path.join(nodesDir(), 'ComfyUI-Good', '__init__.py'), 'utf8')).toContain('GoodNode');
    expect(fs.readFileSync(path.join(nodesDir(), 'comfyui-kjnodes', 'nodes', 'x.py'), 'utf8')).toBe('X = 1\n');
    expect(fs.readFileSync(path.join(dir, 'restarts'), 'utf8')).toBe('restarted\n');
    expect(st.models['checkpoints/a.safetensors']).toMatchObject({ state: 'done' });
  });

  test('a registry version that does not exist fails naming the pack; no model is downloaded', async () => {
    const st = await run([nodePack('comfyui-kjnodes@9.9.9')]);
    expect(st.nodes['comfyui-kjnodes']).toMatchObject({ state: 'failed' });
    expect(st.nodes['comfyui-kjnodes'].error).toMatch(/^comfyui-kjnodes: the registry has no version 9\.9\.9/);
    expect(st.models).toEqual({});
    expect(cdn.requests).toEqual([]);
  });

  test('a git ref that does not exist fails with git\'s own last lines', async () => {
    const bare = bareRepo(dir);
    const st = await run([nodePack(`file://${bare}@v7.0`)]);
    expect(st.nodes['ComfyUI-Good'].error).toMatch(/^ComfyUI-Good: git checkout v7\.0 failed \(exit \d+\): .*v7\.0/);
    expect(fs.existsSync(path.join(nodesDir(), 'ComfyUI-Good'))).toBe(false);
  });

  test('a pip requirement that cannot be installed fails naming the pack and pip\'s last lines', async () => {
    const bare = bareRepo(dir);
    const st = await run([nodePack({ source: `file://${bare}@v1.0`, pip: ['nosuchpkg-gpuburst==1.0'] })]);
    expect(st.nodes['ComfyUI-Good'].error).toMatch(/^ComfyUI-Good: pip install nosuchpkg-gpuburst==1\.0 failed \(exit 1\): .*No matching distribution found for nosuchpkg-gpuburst==1\.0/);
    expect(st.models).toEqual({});
    expect(fs.existsSync(path.join(dir, 'restarts'))).toBe(false);
  });
});
