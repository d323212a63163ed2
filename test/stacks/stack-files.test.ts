/**
 * The example stack configs (stacks/Pulumi.<stack>.yaml) and the project schema (Pulumi.yaml) against the program:
 * every example previews cleanly on the simulated clouds (its GPU is offered, its budget covers the estimate) and
 * rents nothing; the schema declares what config.ts reads.
 */
import fs from 'fs';
import path from 'path';
import { parse } from 'yaml';
import { TestEngine } from './engine/engine';
import os from 'os';
import { ensureBuilt, ROOT } from './support/build';
import { closeWorld, FAST_TIMINGS, useEnv } from './support/world';
import { startWorld, World } from '../../src/sim/world';
import program = require('../../stacks/index');

const STACKS = path.join(ROOT, 'stacks');
const stackFiles = fs.readdirSync(STACKS).filter((f) => /^Pulumi\..+\.yaml$/.test(f));

/** A stack file's config as the language host passes it: strings, objects as JSON. */
function stackConfig(file: string): Record<string, string> {
  const raw = parse(fs.readFileSync(path.join(STACKS, file), 'utf8')).config as Record<string, unknown>;
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : String(v)]));
}

let world: World;
let restore: () => void;
beforeAll(async () => {
  await ensureBuilt();
  world = await startWorld({ timings: { provisionMs: 100, bootMs: 200, comfyStartMs: 100, stopMs: 100 }, comfy: { msPerStep: 2 } });
  restore = useEnv(world.env);
}, 120_000);
afterAll(async () => {
  restore();
  await closeWorld(world);
});

const machineCount = () => world.sims.reduce((n, s) => n + s.state().machines.length, 0);

test('there is one example stack per provider and one for the simulators', () => {
  expect(stackFiles.sort()).toEqual(['Pulumi.lambda-a100.yaml', 'Pulumi.paperspace-a4000.yaml', 'Pulumi.runpod-4090.yaml', 'Pulumi.sim.yaml', 'Pulumi.vast-4090.yaml']);
});

test.each(stackFiles)('%s previews on the simulators: an estimate on its cloud and GPU, nothing rented', async (file) => {
  const config = stackConfig(file);
  for (const k of ['batchFile', 'provider', 'maxCostUsd', 'teardown', 'autoTeardown', 'outDir']) expect(config).toHaveProperty(`gpuburst:${k}`);
  const engine = new TestEngine({ stack: file.replace(/^Pulumi\.|\.yaml$/g, ''), config });
  const before = machineCount();

  const result = await engine.preview(program);

  const estimate = result.outputs.estimate as { provider: string; gpu: string; estimateUsd: number; prompts: number };
  expect(estimate.provider).toBe(config['gpuburst:provider']);
  if (config['gpuburst:gpu']) expect(estimate.gpu).toContain(config['gpuburst:gpu'].replace(/^RTX /, ''));
  expect(estimate.estimateUsd).toBeGreaterThan(0);
  expect(estimate.estimateUsd).toBeLessThanOrEqual(Number(config['gpuburst:maxCostUsd']));
  expect(result.resources.map((r) => r.name)).toEqual(expect.arrayContaining(['gpuburst-machine', 'gpuburst-render']));
  expect(machineCount()).toBe(before);
  const warnings = engine.diagnostics.filter((d) => d.severity === 'warning' && !d.message.includes('npm run build'));
  expect(warnings).toEqual([]); // e.g. no key stored in plain text
});

test('the sim stack renders the SD 1.5 example (text-to-image and img2img) and ends its machine', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-sim-stack-'));
  try {
    const config = { ...stackConfig('Pulumi.sim.yaml'), 'gpuburst:outDir': dir, 'gpuburst:workDir': dir, 'gpuburst:timings': JSON.stringify(FAST_TIMINGS) };
    const engine = new TestEngine({ stack: 'sim', config });
    const { outputs } = await engine.up(program);

    expect(outputs).toMatchObject({ provider: 'vast', status: 'done', tornDown: true, images: (outputs.estimate as { prompts: number }).prompts });
    const images = fs.readdirSync(String(outputs.outputFolder), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.png'));
    expect(images.length).toBe(outputs.images);
    expect(world.sims.flatMap((x) => x.state().machines.filter((m) => m.billing))).toEqual([]);
    await engine.destroy();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);

test('the project schema declares every key the program reads, with a default for each optional one', () => {
  const project = parse(fs.readFileSync(path.join(ROOT, 'Pulumi.yaml'), 'utf8'));
  expect(project).toMatchObject({ name: 'gpuburst', main: 'stacks/index.ts', stackConfigDir: 'stacks', runtime: { name: 'nodejs', options: { typescript: true } } });
  const schema = project.config as Record<string, { type: string; default?: unknown; secret?: boolean }>;
  const source = fs.readFileSync(path.join(STACKS, 'config.ts'), 'utf8');
  const read = new Set([...source.matchAll(/(?:text|number|bool|oneOf)\('(\w+)'/g)].map((m) => m[1]));
  read.delete('timings'); // an object: the schema has no type for it
  expect(Object.keys(schema).sort()).toEqual([...read].sort());
  for (const [name, entry] of Object.entries(schema)) {
    expect(['string', 'integer', 'boolean']).toContain(entry.type);
    if (name !== 'batchFile') expect(entry).toHaveProperty('default');
    expect(entry.secret).toBeUndefined(); // see the comment in Pulumi.yaml: a secret key would be required on every stack
  }
});
