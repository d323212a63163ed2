/**
 * `gpuburst workflow convert|validate` through the real entry point: output, exit codes (0 ok, 1 problems found,
 * 2 bad input) and one-line errors without stack traces.
 */
import fs from 'fs';
import path from 'path';
import { PassThrough } from 'stream';
import { main } from '../../../src/cli/index';
import { startComfySim } from '../../../src/sim/comfyui';
import { EXAMPLES, FIXTURES, tempDir } from '../../comfy/helpers';

async function cli(...args: string[]) {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (d) => (stdout += d));
  err.on('data', (d) => (stderr += d));
  const code = await main(['node', 'gpuburst', 'workflow', ...args], { env: {}, cwd: path.join(__dirname, '../../..'), log: () => undefined, isTTY: false, stdout: out, stderr: err });
  return { code, stdout, stderr };
}

const ex = (f: string) => path.join(EXAMPLES, f);

test('validate: the example batch files are clean against the bundled node definitions (exit 0)', async () => {
  for (const f of ['sdxl-batch.yaml', 'sd15-batch.yaml']) {
    const r = await cli('validate', ex(f));
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/12 prompts, no problems \(checked against the bundled core-node definitions of ComfyUI v0\.3\.64\)/);
  }
});

test('validate: errors are listed with node id and class, exit 1; offline a missing model only warns; --json gives both', async () => {
  const w = await cli('validate', ex('sd15-txt2img.api.json'));
  expect(w.code).toBe(0);
  expect(w.stdout).toContain("no problems (1 warning) (checked against the bundled core-node definitions of ComfyUI v0.3.64)");
  expect(w.stdout).toContain("warning: node 4 (CheckpointLoaderSimple): ckpt_name: model 'v1-5-pruned-emaonly-fp16.safetensors' (checkpoints) must be on the machine");
  const shifted = JSON.parse(fs.readFileSync(ex('sd15-txt2img.api.json'), 'utf8'));
  shifted['3'].inputs.steps = true;
  const file = path.join(tempDir(), 'shifted.api.json');
  fs.writeFileSync(file, JSON.stringify(shifted));
  const j = await cli('validate', file, '--json');
  expect(j.code).toBe(1);
  expect(JSON.parse(j.stdout).problems).toEqual([expect.objectContaining({ nodeId: '3', classType: 'KSampler', inputName: 'steps', type: 'invalid_input_type' })]);
  expect(JSON.parse(j.stdout).warnings).toEqual([expect.objectContaining({ nodeId: '4', inputName: 'ckpt_name' })]);
});

test('bad input: malformed JSON or YAML, a path-pointing batch error, both sources → one clear message, exit 2, no stack', async () => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'broken.json'), '{"3": {');
  for (const [args, pattern] of [
    [['validate', path.join(dir, 'broken.json')], /broken.json: not valid JSON/],
    [['validate', path.join(FIXTURES, 'batch', 'syntax.yaml')], /syntax.yaml: line 4, column 1: Flow sequence/],
    [['validate', path.join(FIXTURES, 'batch', 'bad.yaml')], /bad.yaml has 12 errors:\n {2}output: must be a folder\n {2}workflows\[0\]\.repeat: must be a positive integer/],
    [['validate', path.join(dir, 'missing.json')], /missing.json: cannot read it \(ENOENT\)/],
    [['convert', ex('sd15-img2img.ui.json'), '-o', path.join(dir, 'no-such-folder', 'x.json')], /cannot write .*no-such-folder.*ENOENT/],
    [['validate', path.join(FIXTURES, 'batch', 'alias-bomb.yaml')], /alias-bomb.yaml: cannot be read as YAML data \(Excessive alias count/],
    [['save-nodes', '-o', path.join(dir, 'n.json')], /save-nodes reads the node definitions of a running server: pass --server <url>/],
    [['validate'], /workflow validate needs a file/],
    [['convert', ex('sd15-img2img.ui.json'), '--object-info', 'a.json', '--server', 'http://x'], /either --object-info or --server/],
    [['frobnicate', ex('sd15-txt2img.api.json')], /unknown workflow action "frobnicate"/],
    // Without a scheme the value used to reach the HTTP client: an internal error with a stack (exit 70).
    [['validate', ex('sd15-txt2img.api.json'), '--server', '127.0.0.1:8188'], /^gpuburst: --server: "127.0.0.1:8188" is not accepted; accepted: a ComfyUI URL such as http:\/\/127.0.0.1:8188\n$/],
    [['save-nodes', '--server', 'localhost:8188', '-o', path.join(dir, 'n.json')], /--server: "localhost:8188" is not accepted/],
  ] as [string[], RegExp][]) {
    const r = await cli(...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(pattern);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
  }
});

test('convert: prints the API prompt (bundled definitions by default), or writes it with -o to a file or into a folder; an unknown node class is named', async () => {
  const info = path.join(__dirname, '../../../src/comfy/object-info.core.json');
  const r = await cli('convert', ex('sd15-img2img.ui.json'), '--object-info', info);
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout)['12']).toEqual({ inputs: { pixels: ['10', 0], vae: ['4', 2] }, class_type: 'VAEEncode', _meta: { title: 'VAE Encode' } });
  const out = path.join(tempDir(), 'api.json');
  const w = await cli('convert', ex('sd15-img2img.ui.json'), '--object-info', info, '-o', out);
  expect(w.stdout).toMatch(/wrote .*api.json: 8 nodes in API format/);
  expect(JSON.parse(fs.readFileSync(out, 'utf8'))).toEqual(JSON.parse(r.stdout));
  const dir = tempDir();
  const d = await cli('convert', ex('sd15-img2img.ui.json'), '-o', dir);
  expect(d.code).toBe(0);
  expect(JSON.parse(fs.readFileSync(path.join(dir, 'sd15-img2img.api.json'), 'utf8'))).toEqual(JSON.parse(r.stdout));
  const bundled = await cli('convert', ex('sd15-img2img.ui.json'));
  expect(JSON.parse(bundled.stdout)).toEqual(JSON.parse(r.stdout));
  const custom = await cli('convert', path.join(FIXTURES, 'ui-rules.json'), '--object-info', info);
  expect(custom.code).toBe(2);
  expect(custom.stderr).toMatch(/not in the object_info: node 13 \(AspectPicker\); .*workflow save-nodes/);
  // validate still checks the rest of a UI graph with a custom node, and only warns about the custom node
  const v = await cli('validate', path.join(FIXTURES, 'ui-rules.json'));
  expect(v.code).toBe(0);
  expect(v.stdout).toMatch(/warning: node 13 \(AspectPicker\): AspectPicker is not a core node of ComfyUI v0\.3\.64: list its node pack/);
});

test('convert, validate and save-nodes with node definitions read from a running server (token from the environment)', async () => {
  const sim = await startComfySim({ token: 'cli-token-123456', models: { checkpoints: ['v1-5-pruned-emaonly-fp16.safetensors'] } });
  const run = (...args: string[]) => {
    const out = new PassThrough();
    let stdout = '';
    out.on('data', (d) => (stdout += d));
    return main(['node', 'gpuburst', 'workflow', ...args], { env: { GPUBURST_COMFY_TOKEN: 'cli-token-123456' }, cwd: process.cwd(), log: () => undefined, isTTY: false, stdout: out, stderr: new PassThrough() }).then((code) => ({ code, stdout }));
  };
  const v = await run('validate', ex('sd15-txt2img.api.json'), '--server', sim.url);
  expect(v).toMatchObject({ code: 0 });
  expect(v.stdout).toContain(`checked against ${sim.url}`);
  const c = await run('convert', ex('sd15-img2img.ui.json'), '--server', sim.url);
  expect(JSON.parse(c.stdout)['4'].inputs.ckpt_name).toBe('v1-5-pruned-emaonly-fp16.safetensors');
  const saved = path.join(tempDir(), 'nodes.json');
  const s = await run('save-nodes', '--server', sim.url, '-o', saved);
  expect(s.code).toBe(0);
  expect(s.stdout).toMatch(/wrote .*nodes.json: 383 node classes/);
  const offline = await run('validate', ex('sd15-txt2img.api.json'), '--object-info', saved);
  expect(offline).toMatchObject({ code: 0 });
  await sim.close();
});

test('validate: a UI workflow that names its custom node packs suggests them as nodes: entries (text and --json)', async () => {
  const ui = JSON.parse(fs.readFileSync(ex('sd15-img2img.ui.json'), 'utf8'));
  ui.nodes[0].properties = { ...ui.nodes[0].properties, cnr_id: 'comfy-core', ver: '0.3.64' };
  ui.nodes[1].properties = { ...ui.nodes[1].properties, cnr_id: 'comfyui-kjnodes', ver: '1.1.0' };
  ui.nodes[2].properties = { ...ui.nodes[2].properties, aux_id: 'someone/ComfyUI-Thing', ver: '3f2c9e1a' };
  ui.nodes[3].properties = { ...ui.nodes[3].properties, cnr_id: 'comfyui-unpinned' };
  const file = path.join(tempDir(), 'packs.ui.json');
  fs.writeFileSync(file, JSON.stringify(ui));
  const r = await cli('validate', file);
  expect(r.stdout).toContain('the workflow names these custom node packs; pin and add them under nodes: in the batch file:\n    - comfyui-kjnodes@1.1.0\n    - comfyui-unpinned@?\n    - https://github.com/someone/ComfyUI-Thing@3f2c9e1a');
  const json = JSON.parse((await cli('validate', file, '--json')).stdout);
  expect(json.suggestedNodes).toEqual(['comfyui-kjnodes@1.1.0', 'comfyui-unpinned@?', 'https://github.com/someone/ComfyUI-Thing@3f2c9e1a']);
});
