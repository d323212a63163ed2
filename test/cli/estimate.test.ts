import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { bundledCatalogPath } from '../../src/catalog/load';
import { runCli } from './support/cli';

let cwd: string;
beforeEach(() => {
  cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-est-'));
});
afterEach(() => fs.rmSync(cwd, { recursive: true, force: true }));

const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(['estimate', ...args], { env, cwd });

async function json(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = await cli([...args, '--json'], env);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.out);
}

const PROVIDERS = ['runpod', 'vast', 'lambda', 'paperspace', 'local', 'colab'];

test('--json has the stable shape of the issue, rows sorted by cost', async () => {
  const data = await json(['--model', 'sdxl', '--images', '1000']);
  expect(data.batch).toMatchObject({ model: 'sdxl', images: 1000, steps: 20, width: 1024, height: 1024, batchSize: 1, precision: 'fp16' });
  expect(data.catalogDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  expect(data.rows.length).toBeGreaterThan(20);
  for (const r of data.rows) {
    expect(PROVIDERS).toContain(r.provider);
    expect(r).toEqual(
      expect.objectContaining({
        gpu: expect.any(String), vramGb: expect.any(Number), usdPerHour: expect.any(Number), secondsPerImage: expect.any(Number),
        renderSeconds: expect.any(Number), overheadSeconds: expect.any(Number), totalSeconds: expect.any(Number), costUsd: expect.any(Number),
        usdPerImage: expect.any(Number), speedupVsLocal: expect.any(Number), interruptible: false, source: expect.stringMatching(/^price: .+; speed: .+/),
      }),
    );
  }
  // Cheapest first; the subscription (Colab), which has no batch cost, last.
  const costs = data.rows.filter((r: { subscription: boolean }) => !r.subscription).map((r: { costUsd: number }) => r.costUsd);
  expect(costs).toEqual([...costs].sort((a, b) => a - b));
  expect(data.rows[data.rows.length - 1]).toMatchObject({ provider: 'colab', subscription: true });
  expect(data.rows.find((r: { provider: string }) => r.provider === 'local')).toMatchObject({ gpu: 'RTX 3060', speedupVsLocal: 1, costUsd: 0 });
  expect(data.rows.find((r: { provider: string }) => r.provider === 'colab')).toMatchObject({ provisionable: false, reason: expect.stringMatching(/no API/) });
  expect(Object.keys(data.recommendation)).toEqual(expect.arrayContaining(['cheapest', 'fastest', 'withinLimits']));
  expect(data.recommendation.cheapest.provider).toBe('local');
  expect(data.recommendation.withinLimits).toBeNull();
});

test('the text output: table, chart, recommendation, the Colab note', async () => {
  const r = await cli(['--model', 'sdxl', '--images', '1000']);
  expect(r.code).toBe(0);
  expect(r.out).toMatch(/1000 × sdxl .* 20 steps, 1024×1024, batch 1, fp16/);
  expect(r.out).toMatch(/│ *# *│ provider *│ GPU .*│ *\$\/image *│ *vs local/);
  expect(r.out).toContain('Total time and cost per row');
  expect(r.out).toMatch(/█/);
  expect(r.out).toMatch(/cheapest +local RTX 3060/);
  expect(r.out).toContain('colab A100 40GB: estimate only');
});

test("the seed's 100 SD1.5 row from flags: RTX 4090 spot, 2.5x the local 6 s/image, no overhead → 4 min, ≈ $0.02", async () => {
  const data = await json(['--model', 'sd15', '--images', '100', '--providers', 'local,runpod', '--gpu', '4090', '--interruptible', '--speed', 'local=6s', '--speed', 'runpod:4090=2.5x', '--no-overhead']);
  expect(data.rows.map((r: { provider: string }) => r.provider)).toEqual(['local', 'runpod']);
  const [local, cloud] = data.rows;
  expect(local.totalSeconds).toBeCloseTo(600, 6);
  expect(cloud).toMatchObject({ gpu: 'RTX 4090', interruptible: true, usdPerHour: 0.34, overheadSeconds: 0 });
  expect(cloud.totalSeconds).toBeCloseTo(240, 6);
  expect(cloud.costUsd.toFixed(2)).toBe('0.02');
});

test('--deadline and --max-cost pick the row within limits', async () => {
  const byDeadline = await json(['--deadline', '1h']);
  expect(byDeadline.recommendation.withinLimits.totalSeconds).toBeLessThanOrEqual(3600);
  const inTime = byDeadline.rows.filter((r: { totalSeconds: number; provisionable: boolean }) => r.totalSeconds <= 3600 && r.provisionable);
  expect(byDeadline.recommendation.withinLimits.costUsd).toBe(Math.min(...inTime.map((r: { costUsd: number }) => r.costUsd)));
  const byCost = await json(['--max-cost', '0.40']);
  expect(byCost.recommendation.withinLimits.costUsd).toBeLessThanOrEqual(0.4);
});

test('a calibration file in the working directory replaces the catalog figure for its own provider only, and is flagged', async () => {
  fs.mkdirSync(path.join(cwd, '.gpuburst'));
  const entry = {
    kind: 'cloud', provider: 'vast', gpu: 'RTX 4090', model: 'sdxl', secondsPerImage: 2.75, steps: 20, width: 1024, height: 1024, batchSize: 1, precision: 'fp16',
    images: 120, measuredAt: '2026-11-24T08:00:00Z', source: 'gpuburst run',
  };
  fs.writeFileSync(path.join(cwd, '.gpuburst', 'calibration.json'), JSON.stringify({ version: 2, entries: [entry] }));
  const data = await json(['--providers', 'vast,runpod', '--gpu', '4090']);
  const vast = data.rows.find((r: { provider: string }) => r.provider === 'vast');
  expect(vast).toMatchObject({ gpu: 'RTX 4090', secondsPerImage: 2.75, calibrated: true });
  expect(vast.source).toContain('calibrated: 120 sdxl images on vast, 2026-11-24');
  expect(data.rows.find((r: { provider: string }) => r.provider === 'runpod')).toMatchObject({ calibrated: false });
  expect(data.calibrationFile).toBe(path.join(cwd, '.gpuburst', 'calibration.json'));
  const text = await cli(['--providers', 'vast', '--gpu', '4090']);
  expect(text.out).toMatch(/RTX 4090 .* calibrated/);
});

test('an old (version 1) calibration file, poisoned by a simulated run, is ignored with a one-line note', async () => {
  fs.mkdirSync(path.join(cwd, '.gpuburst'));
  const poisoned = { gpu: 'RTX 4090', model: 'sdxl', provider: 'runpod', secondsPerImage: 0.44, steps: 20, width: 1024, height: 1024, images: 12, measuredAt: '2026-11-24T08:00:00Z' };
  fs.writeFileSync(path.join(cwd, '.gpuburst', 'calibration.json'), JSON.stringify({ version: 1, entries: [poisoned] }));
  const data = await json(['--providers', 'runpod', '--gpu', '4090']);
  expect(data.rows.every((r: { calibrated: boolean; secondsPerImage: number }) => !r.calibrated && r.secondsPerImage > 3)).toBe(true);
  expect(data.calibrationNotes).toEqual([expect.stringMatching(/version 1 .*its 1 entry is ignored/)]);
  const text = await cli(['--providers', 'runpod', '--gpu', '4090']);
  expect(text.out).toMatch(/calibration file .* is version 1 .* ignored/);
  expect(text.out).not.toMatch(/│ calibrated/);
});

test('Colab: its $10/month is a subscription, not the batch cost; never cheapest, listed last', async () => {
  const data = await json(['--model', 'sd15', '--images', '10']);
  const colab = data.rows.find((r: { provider: string }) => r.provider === 'colab');
  expect(colab).toMatchObject({ subscription: true, usdPerMonth: 10, costUsd: 0, usdPerImage: 0, computeCostUsd: 0 });
  expect(data.rows[data.rows.length - 1].provider).toBe('colab');
  expect([data.recommendation.cheapest.provider, data.recommendation.fastest.provider]).not.toContain('colab');
  const text = (await cli(['--model', 'sd15', '--images', '10', '--top', '0'])).out;
  expect(text).toMatch(/│ *\d+ │ colab .*│ *\$10\/mo │.*│ *— │ *— │.*subscription, estimate only/);
  expect(text).toMatch(/colab A100 40GB .* – +\$10\/mo subscription\n/); // its own mark in the cost chart, no bar
  expect(text).toContain('colab A100 40GB: a $10/mo subscription, not a cost of this batch');
});

test('the chart gives every shown row a mark in both series, however small next to the largest', async () => {
  const text = (await cli(['--model', 'flux-dev', '--images', '100', '--top', '0', '--no-overhead'])).out;
  const [header, ...rows] = text.slice(text.indexOf('Total time and cost per row'), text.indexOf('Recommendation:')).trim().split('\n').slice(1);
  expect(rows.length).toBeGreaterThan(30);
  for (const title of ['time', 'cost']) {
    const at = header.indexOf(title);
    for (const row of rows) expect({ row, mark: row.slice(at, at + 20).trim() !== '' }).toEqual({ row, mark: true });
  }
});

test('a batch file as the argument (the example\'s own hint): images, steps, size and model come from it', async () => {
  const examples = path.join(__dirname, '..', '..', 'examples');
  fs.cpSync(examples, path.join(cwd, 'examples'), { recursive: true });
  const data = await json(['examples/sdxl-batch.yaml']);
  expect(data.batch).toMatchObject({ model: 'sdxl', images: 12, steps: 25, width: 1024, height: 1024, batchSize: 1, file: 'examples/sdxl-batch.yaml', prompts: 12 });
  expect(data.rows.length).toBeGreaterThan(10);
  const sd15 = await json([path.join(examples, 'sd15-batch.yaml'), '--precision', 'fp32']);
  expect(sd15.batch).toMatchObject({ model: 'sd15', precision: 'fp32' });
  const text = await cli(['examples/sdxl-batch.yaml']);
  expect(text.code).toBe(0);
  expect(text.out).toMatch(/^12 × sdxl \(Stable Diffusion XL 1\.0\) from examples\/sdxl-batch\.yaml \(12 prompts\), 25 steps, 1024×1024/);
});

test('a model-free batch file: estimated at the model-free figure, no model, no steps claimed', async () => {
  fs.cpSync(path.join(__dirname, '..', '..', 'examples'), path.join(cwd, 'examples'), { recursive: true });
  const data = await json(['examples/invert-batch.yaml']);
  expect(data.batch).toMatchObject({ model: 'model-free', images: 3, prompts: 3 });
  for (const r of data.rows) expect(r).toMatchObject({ secondsPerImage: 1, calibrated: false });
  const text = await cli(['examples/invert-batch.yaml']);
  expect(text.out.split('\n')[0]).toMatch(/^3 × model-free \(image nodes, no model loaded\) from examples\/invert-batch\.yaml \(3 prompts\), 512×512 — catalog /);
});

test('a batch file with a flag that would contradict it, or a broken batch file: one line, exit 2', async () => {
  fs.cpSync(path.join(__dirname, '..', '..', 'examples'), path.join(cwd, 'examples'), { recursive: true });
  const clash = await cli(['examples/sdxl-batch.yaml', '--steps', '30']);
  expect(clash.code).toBe(2);
  expect(clash.err).toBe('gpuburst: --steps: examples/sdxl-batch.yaml sets it (25); accepted: --steps without a batch file, or the batch file without --steps\n');
  const missing = await cli(['nope.yaml']);
  expect(missing.code).toBe(2);
  expect(missing.err).toMatch(/^gpuburst: .*nope\.yaml/);
  expect(missing.err).not.toMatch(/\n\s+at /);
});

test('--kwh-price adds local electricity (170 W board power)', async () => {
  const data = await json(['--providers', 'local', '--kwh-price', '0.16']);
  const local = data.rows[0];
  expect(local.electricityCostUsd).toBeCloseTo(((local.renderSeconds + local.overhead.modelLoadSeconds) / 3600) * 0.17 * 0.16, 10);
  expect(local.costUsd).toBe(local.electricityCostUsd);
});

describe('bad input: one line naming the value and what is accepted, exit 2, no stack', () => {
  test.each([
    [['--model', 'sd3'], /^gpuburst: --model: unknown model "sd3"; accepted: sd15, sdxl, sd-turbo, lcm, flux-dev, flux-schnell\n$/],
    [['--images', '0'], /^gpuburst: --images: "0" is not accepted; accepted: a whole number from 1/],
    [['--images', '-3'], /^gpuburst: --images: "-3" is not accepted/],
    [['--images', 'lots'], /^gpuburst: --images: "lots" is not accepted/],
    [['--steps', '-1'], /^gpuburst: --steps: "-1" is not accepted/],
    [['--width', '1001'], /^gpuburst: --width: 1001 is not a multiple of 8/],
    [['--height', '0'], /^gpuburst: --height: "0" is not accepted; accepted: a whole number from 64 to 8192/],
    [['--batch-size', 'two'], /^gpuburst: --batch-size: "two" is not accepted/],
    [['--precision', 'int8'], /^gpuburst: --precision: "int8" is not accepted; accepted: fp16, fp32/],
    [['--providers', 'aws'], /^gpuburst: --providers: unknown provider "aws"; accepted: runpod, vast, lambda, paperspace, local, colab/],
    [['--gpu', 'rtx9999'], /^gpuburst: --gpu: unknown GPU "rtx9999"; known: A10, A100 40GB/],
    [['--deadline', '1m'], /^gpuburst: --deadline 1m: no offer finishes in time; the fastest, .+ needs \d+m/],
    [['--deadline', '90'], /^gpuburst: --deadline: "90" is not a duration; accepted: a positive time with units/],
    [['--max-cost', 'free'], /^gpuburst: --max-cost: "free" is not accepted/],
    [['--price', 'runpod:4090'], /^gpuburst: --price "runpod:4090": expected \[provider:\]gpu=value/],
    [['--providers', 'lambda', '--gpu', '3060'], /^gpuburst: no offer matches --providers lambda with --gpu RTX 3060/],
  ])('%j', async (args, message) => {
    const r = await cli(args as string[]);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(message);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  test('a malformed catalog named by GPUBURST_CATALOG', async () => {
    const raw = JSON.parse(fs.readFileSync(bundledCatalogPath(), 'utf8'));
    raw.offers[0].usdPerHour = 'cheap';
    fs.writeFileSync(path.join(cwd, 'bad.json'), JSON.stringify(raw));
    const r = await cli([], { GPUBURST_CATALOG: 'bad.json' });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^gpuburst: catalog .*bad\.json: offers\.0\.usdPerHour: .+\n$/);
  });
});

test('a batch of a video model: the estimate says the speed is unknown and what it stands in with, in text and --json', async () => {
  const fixture = path.join(__dirname, '..', 'fixtures', 'comfy', 'workflows', 'wan__text_to_video_wan.json.ui.json');
  fs.copyFileSync(fixture, path.join(cwd, 'wan.json'));
  fs.writeFileSync(path.join(cwd, 'b.yaml'), 'output: out\nworkflows:\n  - path: wan.json\n    repeat: 4\n');
  const r = await cli(['b.yaml']);
  expect(r.code).toBe(0);
  const [head, warning] = r.out.split('\n');
  expect(head).toMatch(/^4 × flux-dev \(FLUX\.1-dev/);
  expect(warning).toBe(
    "speed unknown: wan2.1_t2v_1.3B_fp16.safetensors, a video model (33 frames a prompt); the catalog has figures for image models only, so times and costs are FLUX.1-dev's and can be far off (a video prompt takes minutes to hours); --model <profile> picks one knowingly; GPUs are listed down to FLUX.1-dev's 12 GB (run leaves out those too small for the model file's size)",
  );
  expect((await json(['b.yaml'])).batch.unknownModel).toBe('wan2.1_t2v_1.3B_fp16.safetensors, a video model (33 frames a prompt)');
});
