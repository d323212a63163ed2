/**
 * Hostile input, class 6 (and the refusals of classes 3 and 5 that happen before renting): every case is refused
 * (or handled) by the built CLI with its exit code and one line, no stack trace, nothing rented, in bounded time.
 * One simulated RunPod for the whole file; the cases are independent and run concurrently.
 */
import fs from 'fs';
import path from 'path';
import { startWorld, World } from '../../src/sim/world';
import { batch, CaseResult, EXAMPLES, expectEnded, gpuburst, SD15_MODEL, workflowWith, workspace } from './support';

let world: World;
beforeAll(async () => {
  world = await startWorld({ providers: ['runpod'], timings: { provisionMs: 50, bootMs: 100, comfyStartMs: 50, stopMs: 50 } });
});
afterAll(async () => {
  await world.close();
});

const created = () => world.sims.reduce((n, s) => n + s.state().machines.length, 0);

const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]', 'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]', 'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]', 'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]', 'e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]', 'f: [*e, *e, *e, *e, *e, *e, *e, *e, *e]', 'output: out', 'workflows:', '  - path: wf.json'].join('\n');
const RUN = ['run', 'b.yaml', '--provider', 'runpod', '--yes'];

interface Case {
  name: string;
  args: string[];
  files?: Record<string, string>;
  env?: Record<string, string>;
  status: number;
  /** The last line on stderr (on stdout for a command that succeeds). */
  says: RegExp;
  /** Also somewhere in stderr (commander's one-line error comes before its hint line). */
  alsoSays?: RegExp;
  /** Something to check in the folder afterwards. */
  after?: (cwd: string, r: CaseResult) => void;
}

const cases: Case[] = [
  { name: 'YAML alias bomb (run)', args: RUN, files: { 'b.yaml': bomb }, status: 2, says: /alias/ },
  { name: 'YAML alias bomb (estimate)', args: ['estimate', 'b.yaml'], files: { 'b.yaml': bomb }, status: 2, says: /alias/ },
  { name: 'batch file is binary garbage', args: RUN, files: { 'b.yaml': '\u0000\u0001\u00ff{[: :\n\t- ]' }, status: 2, says: /line \d+, column \d+/, alsoSays: /b\.yaml/ },
  { name: 'batch file is a folder', args: ['run', 'd', '--provider', 'runpod', '--yes'], files: { 'd/x': '' }, status: 2, says: /EISDIR/ },
  { name: 'batch file is missing', args: ['run', 'missing.yaml', '--provider', 'runpod', '--yes'], status: 2, says: /missing\.yaml: cannot read it \(ENOENT\)/ },
  { name: 'no workflow in the batch', args: RUN, files: { 'b.yaml': 'output: out\nworkflows: []\n' }, status: 2, says: /at least one workflow/ },
  { name: 'repeat: 0', args: RUN, files: { 'b.yaml': batch(0) }, status: 2, says: /repeat/ },
  { name: 'repeat: 100000000', args: RUN, files: { 'b.yaml': batch(100_000_000) }, status: 2, says: /at most 100,000/ },
  { name: 'workflow file missing', args: RUN, files: { 'b.yaml': batch(1, [], 'nope.json') }, status: 2, says: /workflows\[0\]\.path: cannot read it \(ENOENT\)/ },
  { name: 'workflow is not JSON', args: RUN, files: { 'b.yaml': batch(1, [], 'bad.json'), 'bad.json': '{"3": {' }, status: 2, says: /workflows\[0\]\.path: not valid JSON/ },
  { name: 'graph with a cycle', args: RUN, files: { 'b.yaml': batch(1, [], 'cycle.json'), 'cycle.json': workflowWith((wf) => void (wf['4'].inputs.ckpt_name = ['3', 0])) }, status: 2, says: /node 3 \(KSampler\): the links form a cycle \(3 → 4 → 3\)/ },
  { name: 'graph with an empty node id', args: RUN, files: { 'b.yaml': batch(1, [], 'empty.json'), 'empty.json': workflowWith((wf) => void ((wf[''] = wf['9']), delete wf['9'])) }, status: 2, says: /node {2}\(SaveImage\): a node has an empty id/ },
  { name: 'link to a node that does not exist', args: RUN, files: { 'b.yaml': batch(1, [], 'dangling.json'), 'dangling.json': workflowWith((wf) => void (wf['3'].inputs.model = ['99', 0])) }, status: 2, says: /99/ },
  { name: 'unknown node class', args: RUN, files: { 'b.yaml': batch(1, [], 'custom.json'), 'custom.json': workflowWith((wf) => void (wf['9'].class_type = 'NoSuchNode')) }, status: 2, says: /NoSuchNode/ },
  { name: '--pods 0', args: [...RUN, '--pods', '0'], files: { 'b.yaml': batch() }, status: 2, says: /--pods: "0" is not accepted/ },
  { name: '--pods 65', args: [...RUN, '--pods', '65'], files: { 'b.yaml': batch() }, status: 2, says: /--pods: "65"/ },
  { name: '--pods abc', args: [...RUN, '--pods=abc'], files: { 'b.yaml': batch() }, status: 2, says: /--pods: "abc"/ },
  { name: '--max-cost -1', args: [...RUN, '--max-cost=-1'], files: { 'b.yaml': batch() }, status: 2, says: /--max-cost: "-1"/ },
  { name: '--max-cost abc', args: [...RUN, '--max-cost', 'abc'], files: { 'b.yaml': batch() }, status: 2, says: /--max-cost: "abc"/ },
  { name: '--max-price 0', args: [...RUN, '--max-price', '0'], files: { 'b.yaml': batch() }, status: 2, says: /--max-price: "0"/ },
  { name: '--provider nosuch', args: ['run', 'b.yaml', '--provider', 'nosuch', '--yes'], files: { 'b.yaml': batch() }, status: 2, says: /--provider: "nosuch"/ },
  { name: '--teardown explode', args: [...RUN, '--teardown', 'explode'], files: { 'b.yaml': batch() }, status: 2, says: /--teardown: "explode"/ },
  { name: '--idle-minutes 0', args: [...RUN, '--idle-minutes', '0'], files: { 'b.yaml': batch() }, status: 2, says: /--idle-minutes: "0"/ },
  { name: '--heartbeat-minutes 99999', args: [...RUN, '--heartbeat-minutes', '99999'], files: { 'b.yaml': batch() }, status: 2, says: /--heartbeat-minutes: "99999"/ },
  { name: '--engine nosuch', args: [...RUN, '--engine', 'nosuch'], files: { 'b.yaml': batch() }, status: 2, says: /--engine: "nosuch"/ },
  { name: '--model nosuch', args: [...RUN, '--model', 'nosuch'], files: { 'b.yaml': batch() }, status: 2, says: /--model: "nosuch"/ },
  { name: 'GPUBURST_SESSION_TIMINGS not JSON', args: RUN, files: { 'b.yaml': batch() }, env: { GPUBURST_SESSION_TIMINGS: '{x' }, status: 2, says: /GPUBURST_SESSION_TIMINGS: not JSON/ },
  { name: 'GPUBURST_SESSION_TIMINGS unknown timing', args: RUN, files: { 'b.yaml': batch() }, env: { GPUBURST_SESSION_TIMINGS: '{"nap":1}' }, status: 2, says: /unknown timing "nap"/ },
  { name: 'GPUBURST_SESSION_TIMINGS null', args: RUN, files: { 'b.yaml': batch() }, env: { GPUBURST_SESSION_TIMINGS: 'null' }, status: 2, says: /GPUBURST_SESSION_TIMINGS: null is not accepted; accepted: a JSON object such as \{"pollSeconds":0\.1\}/ },
  { name: 'GPUBURST_SESSION_TIMINGS a number', args: RUN, files: { 'b.yaml': batch() }, env: { GPUBURST_SESSION_TIMINGS: '-1' }, status: 2, says: /GPUBURST_SESSION_TIMINGS: -1 is not accepted; accepted: a JSON object/ },
  { name: 'GPUBURST_SESSION_TIMINGS an endless wait', args: RUN, files: { 'b.yaml': batch() }, env: { GPUBURST_SESSION_TIMINGS: '{"readyTimeoutSeconds":1e999}' }, status: 2, says: /readyTimeoutSeconds must be a positive number/ },
  { name: 'GPUBURST_DOWN_WAIT_SECONDS abc', args: ['down', '20261204-0000-abcd'], env: { GPUBURST_DOWN_WAIT_SECONDS: 'abc' }, status: 2, says: /GPUBURST_DOWN_WAIT_SECONDS: "abc" is not accepted; accepted: a number > 0/ },
  { name: 'GPUBURST_SESSION_TIMINGS negative stall', args: RUN, files: { 'b.yaml': batch() }, env: { GPUBURST_SESSION_TIMINGS: '{"stallSeconds":-1}' }, status: 2, says: /stallSeconds must be a positive number/ },
  { name: 'budget below a sub-cent estimate is shown in sub-cents', args: [...RUN, '--max-cost', '0.0001'], files: { 'b.yaml': batch(3) }, status: 2, says: /budget \$0\.0001 is below the estimate \$0\.0\d*[1-9]/ },
  { name: 'output folder is a file', args: RUN, files: { 'b.yaml': batch().replace('output: out', 'output: afile'), afile: 'x' }, status: 2, says: /output folder .*afile cannot be written \(ENOTDIR\)/ },
  { name: 'output folder below a file', args: RUN, files: { 'b.yaml': batch().replace('output: out', 'output: afile/sub'), afile: 'x' }, status: 2, says: /cannot be written \(ENOTDIR\)/ },
  { name: '--comfy-url without --provider local (class 3)', args: [...RUN, '--comfy-url', 'http://127.0.0.1:9'], files: { 'b.yaml': batch() }, status: 2, says: /--comfy-url .*needs --provider local/ },
  { name: '--provider local without --comfy-url', args: ['run', 'b.yaml', '--provider', 'local', '--yes'], files: { 'b.yaml': batch() }, status: 2, says: /--provider local needs --comfy-url/ },
  { name: '--simulate with --provider local', args: ['run', 'b.yaml', '--provider', 'local', '--comfy-url', 'http://127.0.0.1:9', '--simulate', '--yes'], files: { 'b.yaml': batch() }, status: 2, says: /--simulate simulates the clouds/ },
  { name: 'a --comfy-url that is not a URL', args: ['run', 'b.yaml', '--provider', 'local', '--comfy-url', 'not a url', '--yes'], files: { 'b.yaml': batch() }, status: 2, says: /--comfy-url: "not a url"/ },
  { name: 'stdin not a terminal and no --yes (class 3)', args: ['run', 'b.yaml', '--provider', 'runpod'], files: { 'b.yaml': batch() }, status: 2, says: /refusing to rent without confirmation/ },
  { name: 'an unknown command', args: ['rnu', 'b.yaml'], status: 2, says: /./ },
  { name: 'an unknown option', args: [...RUN, '--podz', '2'], files: { 'b.yaml': batch() }, status: 2, says: /commands: estimate/, alsoSays: /unknown option '--podz'/ },
  { name: 'workflow convert -o <a folder> writes into the folder', args: ['workflow', 'convert', path.join(EXAMPLES, 'sd15-img2img.ui.json'), '-o', 'outdir'], files: { 'outdir/keep': '' }, status: 0, says: /wrote outdir.sd15-img2img\.api\.json/, after: (cwd) => expect(fs.existsSync(path.join(cwd, 'outdir', 'sd15-img2img.api.json'))).toBe(true) },
  { name: 'workflow convert of a missing file', args: ['workflow', 'convert', 'nope.ui.json'], status: 2, says: /nope\.ui\.json/ },
  { name: 'workflow validate of a folder', args: ['workflow', 'validate', 'adir'], files: { 'adir/x': '' }, status: 2, says: /adir/ },
  { name: 'resume of an unknown session', args: ['resume', 'no-such-session'], status: 2, says: /no-such-session/ },
  { name: 'estimate --model nosuch', args: ['estimate', 'b.yaml', '--model', 'nosuch'], files: { 'b.yaml': batch() }, status: 2, says: /nosuch/ },
];

test.concurrent.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
  const cwd = workspace(c.files);
  const before = created();
  const r = await gpuburst(c.args, { cwd, env: { ...world.env, ...c.env } });
  expectEnded(c.status === 0 ? { ...r, err: r.out } : r, c.status, c.says);
  if (c.alsoSays) expect(r.err).toMatch(c.alsoSays);
  expect(created()).toBe(before);
  c.after?.(cwd, r);
  fs.rmSync(cwd, { recursive: true, force: true });
}, 30_000);

test('a batch whose models list is an alias of a huge list is refused like any alias bomb', async () => {
  const cwd = workspace({ 'b.yaml': [...SD15_MODEL, bomb].join('\n') });
  const r = await gpuburst(['estimate', 'b.yaml'], { cwd });
  expectEnded(r, 2, /alias/);
  fs.rmSync(cwd, { recursive: true, force: true });
}, 30_000);
