/**
 * The bad-input matrix: each case runs the real CLI entry with a captured context against the simulated world
 * (four provider APIs, ComfyUI, the machine agent) and asserts the exact exit code, a message that names the bad
 * value and what is accepted, no stack trace, no key in the output — and that no machine was created.
 */
import fs from 'fs';
import path from 'path';
import { EXIT } from '../../src/cli/exit-codes';
import { PROVIDER_ENV } from '../../providers/index';
import { CLOUD_PROVIDERS } from '../../providers/types';
import { simKey } from '../../src/sim/common/test-keys';
import { startWorld, World } from '../../src/sim/world';
import { batch, EXAMPLES, expectRefusal, runCli, workflowWith, workspace } from './support/cli';

let world: World;
beforeAll(async () => {
  world = await startWorld({ timings: { provisionMs: 50, bootMs: 100, comfyStartMs: 50, stopMs: 50 }, comfy: { msPerStep: 1 } });
});
afterAll(async () => {
  // A refused listing can leave sibling requests of the adapter in flight (Paperspace asks availability per type in
  // parallel): let them finish against the simulators, or they retry against closed ports and hold the worker.
  let seen = -1;
  for (let i = 0; i < 50 && seen !== requests(); i++) {
    seen = requests();
    await new Promise((r) => setTimeout(r, 200));
  }
  await world.close();
});

const requests = () => world.sims.reduce((n, s) => n + s.server.requests.length, 0);

const machines = () => world.sims.reduce((n, s) => n + s.state().machines.length, 0);
const withoutKeys = () => Object.fromEntries(Object.entries(world.env).filter(([k]) => !CLOUD_PROVIDERS.some((c) => PROVIDER_ENV[c].keyVar === k)));

interface Case {
  name: string;
  args: string[];
  files?: Record<string, string>;
  /** The world's env (default), the world without any key, or the world with some variables replaced. */
  env?: 'world' | 'no-keys' | Record<string, string | undefined>;
  code: number;
  says: RegExp[];
}

const run = (file: string, ...flags: string[]) => ['run', file, '--provider', 'runpod', '--yes', ...flags];
const ui = fs.readFileSync(path.join(EXAMPLES, 'sd15-img2img.ui.json'), 'utf8');

const batchFiles: Case[] = [
  { name: 'malformed YAML', args: run('b.yaml'), files: { 'b.yaml': 'workflows:\n  - path: wf.json\n   repeat: 2\n' }, code: EXIT.badInput, says: [/b\.yaml: line 3, column \d+: /] },
  { name: 'malformed JSON batch', args: run('b.json'), files: { 'b.json': '{"workflows": [{"path": "wf.json"}' }, code: EXIT.badInput, says: [/b\.json.*line 1, column \d+/s] },
  { name: 'empty batch file', args: run('b.yaml'), files: { 'b.yaml': '' }, code: EXIT.badInput, says: [/b\.yaml: .*empty.*workflows:/] },
  { name: 'a list instead of a mapping', args: run('b.yaml'), files: { 'b.yaml': '- wf.json\n' }, code: EXIT.badInput, says: [/b\.yaml: .*a list.*workflows:/] },
  { name: 'a batch file of 2 MB', args: run('b.yaml'), files: { 'b.yaml': batch() + `# ${'x'.repeat(2_000_000)}\n` }, code: EXIT.badInput, says: [/b\.yaml: .*1\.9 MiB.*at most 1 MiB/] },
  { name: 'a million prompts', args: run('b.yaml'), files: { 'b.yaml': batch('wf.json', ['repeat: 1000000']) }, code: EXIT.badInput, says: [/1,000,000 prompts.*at most 100,000.*split/] },
  { name: 'batch file missing', args: run('nope.yaml'), code: EXIT.badInput, says: [/nope\.yaml: cannot read it \(ENOENT\)/] },
  { name: 'batch file is a folder', args: run('.'), code: EXIT.badInput, says: [/cannot read it \(EISDIR\)/] },
  { name: 'unknown key', args: run('b.yaml'), files: { 'b.yaml': batch() + 'workflow: x.json\n' }, code: EXIT.badInput, says: [/unknown key "workflow"/] },
  { name: 'negative repeat', args: run('b.yaml'), files: { 'b.yaml': batch('wf.json', ['repeat: -3']) }, code: EXIT.badInput, says: [/workflows\[0\]\.repeat: must be a positive integer/] },
  { name: 'non-numeric repeat', args: run('b.yaml'), files: { 'b.yaml': batch('wf.json', ['repeat: many']) }, code: EXIT.badInput, says: [/workflows\[0\]\.repeat: must be a positive integer/] },
  { name: 'invalid session defaults in the batch', args: run('b.yaml'), files: { 'b.yaml': batch() + 'provider: azure\nbudgetUsd: -2\n' }, code: EXIT.badInput, says: [/provider: must be runpod, vast, lambda, paperspace or local/, /budgetUsd: must be a positive number/] },
  {
    name: 'bad models: ftp URL, short sha256, unknown folder, ../ name',
    args: run('b.yaml'),
    files: { 'b.yaml': 'workflows:\n  - path: wf.json\nmodels:\n  - url: ftp://x/y.safetensors\n    folder: checkpoints\n    sha256: abc\n  - url: https://x/y.bin\n    folder: weights\n  - url: https://x/z.bin\n    folder: loras\n    name: ../../z.bin\n' },
    code: EXIT.badInput,
    says: [/models\[0\]\.url: must be an http\(s\) URL/, /models\[0\]\.sha256: must be 64 hex digits/, /models\[1\]\.folder: is not a ComfyUI model folder \(checkpoints, loras/, /models\[2\]\.name: must be a plain relative name \(no "\.\."/],
  },
];

const workflows: Case[] = [
  { name: 'malformed workflow JSON', args: run('b.yaml'), files: { 'b.yaml': batch('bad.json'), 'bad.json': '{"3": {"class_type": ' }, code: EXIT.badInput, says: [/workflows\[0\]\.path: not valid JSON/] },
  { name: 'JSON that is no workflow', args: run('b.yaml'), files: { 'b.yaml': batch('list.json'), 'list.json': '[1, 2, 3]' }, code: EXIT.badInput, says: [/workflows\[0\]\.path: not a ComfyUI workflow \(expected the API format/] },
  {
    name: 'unknown node class (API format)',
    args: run('b.yaml'),
    files: { 'b.yaml': batch('x.json'), 'x.json': workflowWith((wf) => (wf['99'] = { class_type: 'FancyUpscaler9000', inputs: { image: ['8', 0] } })) },
    code: EXIT.badInput,
    says: [/b\.yaml: FancyUpscaler9000 is not a core node of ComfyUI v0\.3\.64: list the node pack under nodes: in the batch file/],
  },
  {
    name: 'unknown node type (UI format, converted with the bundled definitions)',
    args: run('b.yaml'),
    files: { 'b.yaml': batch('x.ui.json', ['images:', '  folder: in']), 'x.ui.json': ui.replace('"type": "VAEDecode"', '"type": "FancyDecoder9000"'), 'in/a.png': 'png' },
    code: EXIT.badInput,
    says: [/workflows\[0\]\.path: .*FancyDecoder9000/],
  },
  { name: 'missing model', args: run('b.yaml'), files: { 'b.yaml': batch('wf.json', [], { models: false }) }, code: EXIT.badInput, says: [/ckpt_name: model 'v1-5-pruned-emaonly-fp16\.safetensors' is not on the server .*add it under models:/] },
  { name: 'workflow name with ../', args: run('b.yaml'), files: { 'b.yaml': batch('wf.json', ['name: ../../evil']) }, code: EXIT.badInput, says: [/workflows\[0\]\.name: must be letters, digits/] },
  {
    name: 'SaveImage prefix with ../',
    args: run('b.yaml'),
    files: { 'b.yaml': batch('x.json'), 'x.json': workflowWith((wf) => (wf['9'].inputs.filename_prefix = '../../escape/img')) },
    code: EXIT.badInput,
    says: [/node 9 \(SaveImage\): filename_prefix: "\.\.\/\.\.\/escape\/img".*inside ComfyUI's output folder/],
  },
  {
    name: 'SaveImage prefix that is an absolute path',
    args: run('b.yaml'),
    files: { 'b.yaml': batch('x.json'), 'x.json': workflowWith((wf) => (wf['9'].inputs.filename_prefix = '/tmp/gpuburst-abs/img')) },
    code: EXIT.badInput,
    says: [/node 9 \(SaveImage\): filename_prefix: "\/tmp\/gpuburst-abs\/img".*inside ComfyUI's output folder/],
  },
  { name: 'input folder is a file', args: run('b.yaml'), files: { 'b.yaml': batch('x.ui.json', ['images:', '  folder: wf.json']), 'x.ui.json': ui }, code: EXIT.badInput, says: [/workflows\[0\]\.images\.folder: cannot read .*wf\.json \(ENOTDIR\)/] },
  { name: 'input folder missing', args: run('b.yaml'), files: { 'b.yaml': batch('x.ui.json', ['images:', '  folder: nowhere']), 'x.ui.json': ui }, code: EXIT.badInput, says: [/workflows\[0\]\.images\.folder: cannot read .*nowhere \(ENOENT\)/] },
  { name: 'input folder without images', args: run('b.yaml'), files: { 'b.yaml': batch('x.ui.json', ['images:', '  folder: in']), 'x.ui.json': ui, 'in/notes.txt': 'x' }, code: EXIT.badInput, says: [/workflows\[0\]\.images\.folder: .*in holds no images \(\.png/] },
];

const flags: Case[] = [
  { name: 'output folder that cannot be created', args: run('b.yaml', '--out', 'wf.json'), files: { 'b.yaml': batch() }, code: EXIT.badInput, says: [/output folder .*wf\.json cannot be written \(ENOTDIR\).*--out/] },
  { name: 'unknown provider', args: ['run', 'b.yaml', '--provider', 'azure'], files: { 'b.yaml': batch() }, code: EXIT.badInput, says: [/--provider: "azure" is not accepted; accepted: auto, runpod, vast, lambda, paperspace, local/] },
  { name: 'unknown GPU', args: run('b.yaml', '--gpu', 'RTX 9999'), files: { 'b.yaml': batch() }, code: EXIT.badInput, says: [/--gpu: unknown GPU "RTX 9999"; known: .*RTX 4090/] },
  { name: 'a GPU the provider does not offer', args: ['run', 'b.yaml', '--provider', 'lambda', '--gpu', 'RTX 3060', '--yes'], files: { 'b.yaml': batch() }, code: EXIT.badInput, says: [/no offer fits: .*0 with GPU "RTX 3060" \(offered: .*A100/] },
  { name: '--pods 0', args: run('b.yaml', '--pods', '0'), files: { 'b.yaml': batch() }, code: EXIT.badInput, says: [/--pods: "0" is not accepted; accepted: a whole number from 1 to 64/] },
  { name: '--pods abc', args: run('b.yaml', '--pods', 'abc'), files: { 'b.yaml': batch() }, code: EXIT.badInput, says: [/--pods: "abc" is not accepted; accepted: a whole number from 1 to 64/] },
  { name: '--pods 65', args: run('b.yaml', '--pods', '65'), files: { 'b.yaml': batch() }, code: EXIT.badInput, says: [/--pods: "65" is not accepted/] },
  { name: '--max-cost abc', args: run('b.yaml', '--max-cost', 'abc'), files: { 'b.yaml': batch() }, code: EXIT.badInput, says: [/--max-cost: "abc" is not accepted; accepted: a number > 0/] },
  { name: 'negative --max-cost', args: run('b.yaml', '--max-cost=-5'), files: { 'b.yaml': batch() }, code: EXIT.badInput, says: [/--max-cost: "-5" is not accepted; accepted: a number > 0/] },
  { name: '--max-price 0', args: run('b.yaml', '--max-price', '0'), files: { 'b.yaml': batch() }, code: EXIT.badInput, says: [/--max-price: "0" is not accepted; accepted: a number > 0/] },
  { name: 'bad --teardown', args: run('b.yaml', '--teardown', 'destroy'), files: { 'b.yaml': batch() }, code: EXIT.badInput, says: [/--teardown: "destroy" is not accepted; accepted: terminate, stop/] },
  { name: 'negative --idle-minutes', args: run('b.yaml', '--idle-minutes=-1'), files: { 'b.yaml': batch() }, code: EXIT.badInput, says: [/--idle-minutes: "-1" is not accepted; accepted: a number > 0/] },
  { name: 'non-numeric --heartbeat-minutes', args: run('b.yaml', '--heartbeat-minutes', 'ten'), files: { 'b.yaml': batch() }, code: EXIT.badInput, says: [/--heartbeat-minutes: "ten" is not accepted/] },
  { name: '--heartbeat-minutes above a day', args: run('b.yaml', '--heartbeat-minutes', '1441'), files: { 'b.yaml': batch() }, code: EXIT.badInput, says: [/--heartbeat-minutes: "1441" is not accepted; accepted: a number > 0 and ≤ 1440/] },
  // Issue 12: --comfy-url without --provider local used to rent a cloud GPU.
  { name: '--comfy-url without --provider local', args: run('b.yaml', '--comfy-url', 'http://127.0.0.1:8188'), files: { 'b.yaml': batch() }, code: EXIT.badInput, says: [/--comfy-url drives ComfyUI servers you already run, which needs --provider local \(the provider here is runpod/] },
  { name: 'local without --comfy-url', args: ['run', 'b.yaml', '--provider', 'local'], files: { 'b.yaml': batch() }, code: EXIT.badInput, says: [/--provider local needs --comfy-url http:\/\/127\.0\.0\.1:8188/] },
  { name: '--simulate without a working Python 3', args: ['run', 'b.yaml', '--simulate', '--yes'], files: { 'b.yaml': batch() }, env: { GPUBURST_PYTHON: '/nonexistent/python3' }, code: EXIT.unsupported, says: [/Python 3\.8 or newer, and GPUBURST_PYTHON=\/nonexistent\/python3 does not run; install Python 3 or set GPUBURST_PYTHON/] },
  { name: '--simulate with --provider local', args: ['run', 'b.yaml', '--provider', 'local', '--simulate', '--comfy-url', 'http://127.0.0.1:1'], files: { 'b.yaml': batch() }, code: EXIT.badInput, says: [/--simulate simulates the clouds/] },
  { name: 'budget below the estimate', args: run('b.yaml', '--max-cost', '0.0001'), files: { 'b.yaml': batch() }, code: EXIT.badInput, says: [/budget \$0\.0001 is below the estimate \$0\.0\d+ .*raise --max-cost/] },
  { name: 'no confirmation without a terminal', args: ['run', 'b.yaml', '--provider', 'runpod'], files: { 'b.yaml': batch() }, code: EXIT.badInput, says: [/refusing to rent without confirmation: pass --yes/] },
  { name: 'unknown option', args: run('b.yaml', '--frobnicate'), files: { 'b.yaml': batch() }, code: EXIT.badInput, says: [/unknown option '--frobnicate'/] },
  { name: 'unknown command', args: ['frobnicate'], code: EXIT.badInput, says: [/unknown command 'frobnicate'/, /estimate, offers, run, status, resume, down, sweep, cache, workflow, sim/] },
];

const keys: Case[] = [
  ...CLOUD_PROVIDERS.map((p): Case => ({ name: `no key for ${p}`, args: ['run', 'b.yaml', '--provider', p, '--yes'], files: { 'b.yaml': batch() }, env: 'no-keys', code: EXIT.auth, says: [new RegExp(`${p}: no API key; set ${PROVIDER_ENV[p].keyVar}`)] })),
  { name: 'no key at all (auto)', args: ['run', 'b.yaml', '--yes'], files: { 'b.yaml': batch() }, env: 'no-keys', code: EXIT.auth, says: [/no provider key is set; set one of RUNPOD_API_KEY, VAST_API_KEY, LAMBDA_API_KEY, PAPERSPACE_API_KEY, or try --simulate/] },
  ...CLOUD_PROVIDERS.map((p): Case => ({ name: `invalid key for ${p}`, args: ['run', 'b.yaml', '--provider', p, '--yes'], files: { 'b.yaml': batch() }, env: { [PROVIDER_ENV[p].keyVar]: simKey('wrong-', 16) }, code: EXIT.auth, says: [new RegExp(`${p}.*${PROVIDER_ENV[p].keyVar}`)] })),
];

const otherCommands: Case[] = [
  { name: 'estimate: a deadline no offer meets', args: ['estimate', '--model', 'sdxl', '--images', '1000', '--deadline', '1m'], code: EXIT.badInput, says: [/--deadline 1m: no offer finishes in time; the fastest, .* needs \d+m; accepted: a deadline of at least that/] },
  { name: 'estimate: --deadline soon', args: ['estimate', '--deadline', 'soon'], code: EXIT.badInput, says: [/--deadline: "soon" is not a duration; accepted: a positive time with units, e\.g\. 45m/] },
  { name: 'estimate: negative --images', args: ['estimate', '--images=-3'], code: EXIT.badInput, says: [/--images: "-3" is not accepted; accepted: a whole number from 1/] },
  { name: 'estimate: unknown --model', args: ['estimate', '--model', 'sdxxl'], code: EXIT.badInput, says: [/--model: unknown model "sdxxl"; accepted: sd15, sdxl/] },
  { name: 'estimate: --width not a multiple of 8', args: ['estimate', '--width', '1001'], code: EXIT.badInput, says: [/--width: 1001 is not a multiple of 8; accepted: 64 to 8192 in steps of 8/] },
  { name: 'offers: --provider colab', args: ['offers', '--provider', 'colab', '--offline'], code: EXIT.badInput, says: [/--provider: unknown cloud "colab" .*accepted: runpod, vast, lambda, paperspace/] },
  { name: 'offers: --min-vram abc', args: ['offers', '--offline', '--min-vram', 'abc'], code: EXIT.badInput, says: [/--min-vram: "abc" is not accepted; accepted: a number > 0/] },
  { name: 'workflow convert: -o into a folder that does not exist', args: ['workflow', 'convert', path.join(EXAMPLES, 'sd15-img2img.ui.json'), '-o', '/nonexistent-gpuburst/x.json'], code: EXIT.badInput, says: [/cannot write \/nonexistent-gpuburst\/x.json \(ENOENT\)/] },
  { name: 'resume: unknown session', args: ['resume', '20990101-0000-abcd'], code: EXIT.badInput, says: [/no session "20990101-0000-abcd" in .*gpuburst status lists them/] },
  { name: 'down: unknown session', args: ['down', 'nope'], code: EXIT.badInput, says: [/no session "nope" in /] },
  // The input is checked before a key is asked for: without any key, a typo is still named as a typo.
  { name: 'cache: unknown action, no key', args: ['cache', 'purge', '--provider', 'runpod'], env: 'no-keys', code: EXIT.badInput, says: [/cache: "purge" is not accepted; accepted: list, delete/] },
  { name: 'cache delete: no name, no key', args: ['cache', 'delete', '--provider', 'runpod', '--yes'], env: 'no-keys', code: EXIT.badInput, says: [/cache delete: the cache name is missing/] },
  { name: 'cache delete: unknown --provider', args: ['cache', 'delete', 'm', '--provider', 'azure', '--yes'], env: 'no-keys', code: EXIT.badInput, says: [/--provider: "azure" is not accepted; accepted: runpod, vast, lambda, paperspace/] },
  { name: 'cache delete: no key for the provider', args: ['cache', 'delete', 'm', '--provider', 'lambda', '--yes'], env: 'no-keys', code: EXIT.auth, says: [/lambda: no API key; set LAMBDA_API_KEY/] },
  ...(['vast', 'paperspace'] as const).map((p): Case => ({ name: `run --cache at ${p}, no key: unsupported, said before the key`, args: ['run', 'b.yaml', '--provider', p, '--cache', 'models', '--yes'], files: { 'b.yaml': batch() }, env: 'no-keys', code: EXIT.unsupported, says: [new RegExp(`${p}: no model cache: `)] })),
  { name: 'sim: privileged --port', args: ['sim', '--port', '80'], code: EXIT.badInput, says: [/--port: "80" is not accepted; accepted: a whole number from 1024 to 65532/] },
];

function envFor(c: Case): NodeJS.ProcessEnv {
  if (c.env === 'no-keys') return withoutKeys();
  if (c.env && c.env !== 'world') return { ...world.env, ...c.env };
  return { ...world.env };
}

describe.each([
  ['batch files', batchFiles],
  ['workflows', workflows],
  ['flags', flags],
  ['keys', keys],
  ['other commands', otherCommands],
] as const)('%s', (_group, cases) => {
  test.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const cwd = workspace(c.files);
    const before = machines();
    const r = await runCli(c.args, { env: envFor(c), cwd });
    expectRefusal(r, c.code, c.says);
    expect(machines()).toBe(before);
    fs.rmSync(cwd, { recursive: true, force: true });
  }, 30_000);
});

test('workflow validate (offline) warns about a custom class with its node and exits 0', async () => {
  const cwd = workspace({ 'x.json': workflowWith((wf) => (wf['9'].class_type = 'SaveImageToCloud')) });
  const r = await runCli(['workflow', 'validate', 'x.json'], { cwd });
  expect(r.code).toBe(0);
  expect(r.out).toMatch(/\n {2}warning: node 9 \(SaveImageToCloud\): SaveImageToCloud is not a core node of ComfyUI v0\.3\.64: list its node pack/);
});
