/**
 * The simulated ComfyUI learns custom node classes from the packs in its custom_nodes/ folder (NODE_CLASS_MAPPINGS
 * + the pack's object_info.json), never from the prompt: a prompt using a pack's class is refused until the pack is
 * installed, then validates and renders through it. A folder still being installed is not loaded.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { customNodeInfo, mappedClasses } from '../../../src/sim/comfyui/custom-nodes';
import { currentObjectInfo } from '../../../src/sim/comfyui/nodes';
import { ComfySim, startComfySim } from '../../../src/sim/comfyui';
import { writePack } from '../../../src/sim/node-registry';

const EXAMPLES = path.join(__dirname, '..', '..', '..', 'examples');
const GOOD = { GoodNode: { input: { required: { image: ['IMAGE'] } }, output: ['IMAGE'], output_is_list: [false], output_name: ['IMAGE'], name: 'GoodNode', display_name: 'Good', category: 'good', output_node: false, python_module: 'custom_nodes.ComfyUI-Good' } };

let sim: ComfySim;
let root: string;
beforeEach(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-comfy-custom-'));
  sim = await startComfySim({ msPerStep: 1, rootDir: root, models: { checkpoints: ['v1-5-pruned-emaonly-fp16.safetensors'] } });
});
afterEach(async () => {
  await sim.close();
  fs.rmSync(root, { recursive: true, force: true });
});

function promptThroughGoodNode() {
  const p = JSON.parse(fs.readFileSync(path.join(EXAMPLES, 'sd15-txt2img.api.json'), 'utf8'));
  p['100'] = { class_type: 'GoodNode', inputs: { image: ['8', 0] } };
  p['9'].inputs.images = ['100', 0];
  return p;
}
/**
 * Dates custom_nodes/, the pack folder and its two files to `past` (out of the listing's racy window): dated again
 * after an edit, only the file a test re-dates differs from what the listing recorded.
 */
function ageFolder(dir: string, past: Date): void {
  for (const p of [path.join(root, 'custom_nodes'), dir, path.join(dir, '__init__.py'), path.join(dir, 'object_info.json')]) fs.utimesSync(p, past, past);
}
const post = (prompt: unknown) => fetch(`${sim.url}/prompt`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prompt }) });

test('NODE_CLASS_MAPPINGS keys are read from the literal', () => {
  expect(mappedClasses('from .a import A\nNODE_CLASS_MAPPINGS = {\n  "GoodNode": A,\n  \'Other\': B,\n}\nX = {"not": 1}\n')).toEqual(['GoodNode', 'Other']);
  expect(mappedClasses('print(1)\n')).toEqual([]);
});

test('a pack class is unknown until the pack is installed, then the prompt renders through it', async () => {
  const before = await post(promptThroughGoodNode());
  expect(before.status).toBe(400);
  expect(JSON.stringify(await before.json())).toMatch(/GoodNode/);
  const pack = { '__init__.py': 'NODE_CLASS_MAPPINGS = {"GoodNode": object}\n', 'object_info.json': JSON.stringify(GOOD) };
  writePack(path.join(root, 'custom_nodes', 'ComfyUI-Good.installing'), pack);
  expect((await post(promptThroughGoodNode())).status).toBe(400);
  writePack(path.join(root, 'custom_nodes', 'ComfyUI-Good'), pack);
  expect(((await (await fetch(`${sim.url}/object_info/GoodNode`)).json()) as Record<string, unknown>).GoodNode).toMatchObject({ output: ['IMAGE'] });
  const res = await post(promptThroughGoodNode());
  expect(res.status).toBe(200);
  const { prompt_id } = (await res.json()) as { prompt_id: string };
  let outputs: Record<string, unknown> | undefined;
  for (let i = 0; i < 200 && !outputs; i++) {
    const h = (await (await fetch(`${sim.url}/history/${prompt_id}`)).json()) as Record<string, { outputs: Record<string, unknown> }>;
    outputs = h[prompt_id]?.outputs;
    if (!outputs) await new Promise((r) => setTimeout(r, 25));
  }
  expect(outputs?.['9']).toMatchObject({ images: [expect.objectContaining({ type: 'output' })] });
});

test('a pack read once is read again when a file of it changes in place (the folder mtime stays)', () => {
  const dir = path.join(root, 'custom_nodes', 'ComfyUI-Good');
  writePack(dir, { '__init__.py': 'NODE_CLASS_MAPPINGS = {"GoodNode": object}\n', 'object_info.json': JSON.stringify(GOOD) });
  const past = new Date(Date.now() - 10_000);
  ageFolder(dir, past);
  expect(Object.keys(customNodeInfo(path.join(root, 'custom_nodes')).info)).toEqual(['GoodNode']);
  fs.writeFileSync(path.join(dir, '__init__.py'), 'NODE_CLASS_MAPPINGS = {"GoodNode": object, "Second": object}\n');
  fs.utimesSync(dir, past, past);
  expect(Object.keys(customNodeInfo(path.join(root, 'custom_nodes')).info)).toEqual(['GoodNode', 'Second']);
});

test('object_info as served follows a pack manifest edited in place', () => {
  const dir = path.join(root, 'custom_nodes', 'ComfyUI-Good');
  writePack(dir, { '__init__.py': 'NODE_CLASS_MAPPINGS = {"GoodNode": object}\n', 'object_info.json': JSON.stringify(GOOD) });
  const past = new Date(Date.now() - 10_000);
  ageFolder(dir, past);
  const served = () => currentObjectInfo(path.join(root, 'models'), path.join(root, 'input')).GoodNode.input;
  expect(served()).toEqual({ required: { image: ['IMAGE'] } });
  fs.writeFileSync(path.join(dir, 'object_info.json'), JSON.stringify({ GoodNode: { ...GOOD.GoodNode, input: { required: { image: ['IMAGE'], strength: ['FLOAT'] } } } }));
  ageFolder(dir, past);
  fs.utimesSync(path.join(dir, 'object_info.json'), new Date(Date.now() - 5_000), new Date(Date.now() - 5_000));
  expect(served()).toEqual({ required: { image: ['IMAGE'], strength: ['FLOAT'] } });
});
