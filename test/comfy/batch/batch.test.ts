/**
 * Batch files: every error named by its place in the file, expansion to concrete prompts with stable ids,
 * variations (seeds, substitutions, images), and the examples valid against the bundled node definitions.
 */
import path from 'path';
import { expandBatch, prepareBatch, validateBatch } from '../../../src/comfy/batch/expand';
import { expandPrefixTokens, formatDate } from '../../../src/comfy/batch/prefix-tokens';
import { BatchFileError, parseBatch } from '../../../src/comfy/batch/load';
import { bundledObjectInfo } from '../../../src/comfy/workflow/object-info';
import { EXAMPLES, FIXTURES } from '../helpers';

const info = bundledObjectInfo();
const fixture = (name: string) => path.join(FIXTURES, 'batch', name);

function errorsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(BatchFileError);
    expect((err as BatchFileError).code).toBe('ERR_BAD_INPUT');
    return (err as BatchFileError).errors.map((e) => `${e.path}: ${e.message}`);
  }
  throw new Error('expected a BatchFileError');
}

test('schema errors: all of them, each with its path in the file', () => {
  const errors = errorsOf(() => parseBatch(fixture('bad.yaml')));
  expect(errors).toEqual(
    expect.arrayContaining([
      'output: must be a folder',
      'workflows[0].repeat: must be a positive integer',
      'workflows[1].seeds: must be random, increment, a list of seeds, or {mode, start, values}',
      'workflows[1]: unknown key "extra"',
      'workflows[2].repeat: must be a positive integer',
      'workflows[2].substitutions[0].find: must be the text to replace',
      'workflows[2].substitutions[0].values: needs at least one value',
      'models[0].url: must be an http(s) URL',
      expect.stringMatching(/^models\[0\]\.folder: is not a ComfyUI model folder/),
      'models[0].sha256: must be 64 hex digits',
      expect.stringMatching(/^models\[1\]\.name: must be a plain relative name/),
      'provider: must be runpod, vast, lambda, paperspace or local',
    ]),
  );
  expect(errors).toHaveLength(12);
});

test('YAML syntax errors give line and column', () => {
  const [line] = errorsOf(() => parseBatch(fixture('syntax.yaml')));
  expect(line).toBe(': line 4, column 1: Flow sequence in block collection must be sufficiently indented and end with a ]');
});

test('errors the schema cannot see, from loading and from expansion, all reported together', () => {
  const errors = errorsOf(() => prepareBatch(fixture('semantic.yaml'), info));
  expect(errors).toEqual([
    'models[1].name: checkpoints/v1-5-pruned-emaonly-fp16.safetensors is already listed at models[0]',
    expect.stringMatching(/^workflows\[3\]\.path: not valid JSON/),
    'workflows[0].repeat: is 3 but seeds lists 2 values; drop repeat or make them agree',
    'workflows[1].substitutions[0].find: "{nothing-like-this}" does not occur in any text input of sd15-txt2img.api.json',
    'workflows[1].substitutions[1].node: node 99 is not in sd15-txt2img.api.json',
    'workflows[1].substitutions[2].input: model of node 3 is a link, not a value',
    expect.stringMatching(/^workflows\[2\]: prompt 2 is identical to c-[0-9a-f]{12} \(ComfyUI would return the cached image\)/),
    'workflows[4].images.folder: sd15-txt2img.api.json has no LoadImage node',
  ]);
});

describe('the examples', () => {
  const sdxl = () => prepareBatch(path.join(EXAMPLES, 'sdxl-batch.yaml'), info);
  const sd15 = () => prepareBatch(path.join(EXAMPLES, 'sd15-batch.yaml'), info);

  test('sdxl-batch: 3 subjects × 4 increasing seeds, same ids on every load, output folder relative to the file', () => {
    const { batch, prompts } = sdxl();
    expect(prompts).toHaveLength(12);
    expect(prompts.map((p) => p.id)).toEqual(sdxl().prompts.map((p) => p.id));
    expect(new Set(prompts.map((p) => p.id)).size).toBe(12);
    for (const p of prompts) expect(p.id).toMatch(/^sdxl-[0-9a-f]{12}$/);
    expect(prompts.map((p) => p.prompt['10'].inputs.seed)).toEqual([1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009, 1010, 1011]);
    expect(prompts.map((p) => p.prompt['6'].inputs.text).filter((t, i, all) => all.indexOf(t) === i)).toEqual([
      'a photograph of a red fox in fresh snow, golden hour, 35mm, highly detailed',
      'a photograph of an old lighthouse on a cliff, golden hour, 35mm, highly detailed',
      'a photograph of a street market at dusk, golden hour, 35mm, highly detailed',
    ]);
    expect(batch.outputDir).toBe(path.resolve(EXAMPLES, '../outputs/sdxl'));
    expect(batch.models).toEqual([expect.objectContaining({ folder: 'checkpoints', name: 'sd_xl_base_1.0.safetensors' })]);
    expect(validateBatch(batch, prompts, info)).toEqual([]);
  });

  test('ids and random seeds are the same in every version: a rerun or a resume of an older session finds its prompts by id', () => {
    // Taken from the code of session 12 (before the one-shot hashes); a change here strands users' done prompts.
    const first = sd15().prompts.slice(0, 2).map((p) => [p.id, p.seed]);
    expect(first).toEqual([
      ['sd15-2ea7c17cc52f', 180925979628298],
      ['sd15-e9d4f8624ac3', 40598505476751],
    ]);
  });

  test('sd15-batch: stable random seeds; img2img from a UI-format workflow with one upload per image × listed seeds', () => {
    const { batch, prompts } = sd15();
    const txt = prompts.filter((p) => p.workflow === 'sd15');
    expect(txt).toHaveLength(8);
    const seeds = txt.map((p) => p.prompt['3'].inputs.seed as number);
    expect(new Set(seeds).size).toBe(8);
    expect(seeds).toEqual(sd15().prompts.filter((p) => p.workflow === 'sd15').map((p) => p.prompt['3'].inputs.seed));
    for (const s of seeds) expect(Number.isSafeInteger(s)).toBe(true);
    const img = prompts.filter((p) => p.workflow === 'sd15-img2img');
    expect(img.map((p) => [p.uploads?.[0].name.replace(/^gpuburst-[0-9a-f]{10}-/, ''), p.prompt['3'].inputs.seed])).toEqual([
      ['harbour.png', 7],
      ['harbour.png', 8],
      ['lighthouse.png', 7],
      ['lighthouse.png', 8],
    ]);
    for (const p of img) {
      expect(p.prompt['10'].inputs.image).toBe(p.uploads?.[0].name);
      expect(p.uploads?.[0].localPath).toBe(path.join(EXAMPLES, 'inputs', p.uploads![0].name.replace(/^gpuburst-[0-9a-f]{10}-/, '')));
      expect(p.prompt['3'].inputs.denoise).toBe(0.55);
      expect(p.prompt['6'].inputs.text).toBe('watercolor painting of a harbour town, soft light');
    }
    expect(validateBatch(batch, prompts, info)).toEqual([]);
  });

  test('without its models section a batch reports the missing checkpoint with node id, class and workflow', () => {
    const { batch, prompts } = sdxl();
    const problems = validateBatch({ ...batch, models: [] }, prompts, info);
    expect(problems).toEqual([expect.objectContaining({ where: 'workflows[0]', nodeId: '4', classType: 'CheckpointLoaderSimple', type: 'value_not_in_list' })]);
  });
});

test('filename_prefix tokens are expanded as the frontend does (%date:…%, %Title.widget%), ids stay the same on another day', () => {
  const { batch } = prepareBatch(path.join(EXAMPLES, 'invert-batch.yaml'), info);
  const day1 = expandBatch(batch, info, undefined, new Date(2026, 0, 5, 7, 8, 9));
  const day2 = expandBatch(batch, info, undefined, new Date(2026, 10, 25, 17, 3, 4));
  expect(day1.map((p) => p.prompt['3'].inputs.filename_prefix)).toEqual(['invert/2026-01-05/color-16711680', 'invert/2026-01-05/color-65280', 'invert/2026-01-05/color-255']);
  expect(day2.map((p) => p.id)).toEqual(day1.map((p) => p.id));
  expect(validateBatch(batch, day1, info)).toEqual([]);
  expect(batch.workflows[0].prompt['3'].inputs.filename_prefix).toMatch(/%date/); // the workflow itself is untouched
});

test('date formats and node tokens follow the frontend: unknown or ambiguous tokens stay as written', () => {
  const at = new Date(2026, 0, 5, 7, 8, 9);
  expect(formatDate('yyyy-MM-dd hh:mm:ss | yy M d h m s', at)).toBe('2026-01-05 07:08:09 | 26 1 5 7 8 9');
  const prompt = {
    '1': { class_type: 'EmptyImage', inputs: { width: 64, color: 'a/b\\c' }, _meta: { title: 'Canvas' } },
    '2': { class_type: 'ImageInvert', inputs: { image: ['1', 0] } },
    '3': { class_type: 'ImageInvert', inputs: { image: ['2', 0] } },
  };
  expect(expandPrefixTokens('%Canvas.width%-%EmptyImage.color%-%ImageInvert.image%-%Nope.x%-%Canvas.image%-%a.b.c%', prompt, at)).toBe('64-a_b_c-%ImageInvert.image%-%Nope.x%-%Canvas.image%-%a.b.c%');
});
