import { BadInputError } from '../../providers/errors';
import { resolveBatch } from '../../src/estimate/batch';
import { formatDuration, parseDurationSeconds } from '../../src/estimate/duration';
import { parsePriceOverride, parseSpeedOverride } from '../../src/estimate/overrides';

const KNOWN = ['RTX 3060', 'RTX 4090', 'A100 40GB', 'A100 80GB'];

describe('batch flags', () => {
  test("defaults come from the model's profile", () => {
    expect(resolveBatch({ model: 'lcm', images: '10' })).toEqual({ model: 'lcm', images: 10, steps: 4, width: 1024, height: 1024, batchSize: 1, precision: 'fp16' });
    expect(resolveBatch({})).toMatchObject({ model: 'sdxl', images: 1000 });
  });

  test.each([
    [{ images: '0' }, '--images: "0" is not accepted; accepted: a whole number from 1 to 10000000'],
    [{ images: '-5' }, '--images: "-5" is not accepted'],
    [{ images: 'many' }, '--images: "many" is not accepted'],
    [{ images: '2.5' }, '--images: "2.5" is not accepted'],
    [{ steps: '0' }, '--steps: "0" is not accepted; accepted: a whole number from 1 to 1000'],
    [{ width: '1000x' }, '--width: "1000x" is not accepted; accepted: a whole number from 64 to 8192'],
    [{ height: '1020' }, '--height: 1020 is not a multiple of 8'],
    [{ batchSize: '0' }, '--batch-size: "0" is not accepted'],
    [{ precision: 'int8' }, '--precision: "int8" is not accepted; accepted: fp16, fp32'],
    [{ model: 'sd3' }, '--model: unknown model "sd3"'],
  ])('%j → %s', (flags, message) => {
    expect(() => resolveBatch(flags)).toThrow(BadInputError);
    expect(() => resolveBatch(flags)).toThrow(message);
  });
});

describe('durations', () => {
  test.each([
    ['45m', 2700],
    ['2h', 7200],
    ['1h30m', 5400],
    ['90s', 90],
    ['1.5h', 5400],
    ['1d', 86400],
  ])('%s = %d s', (text, seconds) => expect(parseDurationSeconds(text, '--deadline')).toBe(seconds));

  test.each(['90', 'soon', '0m', '2h junk', ''])('"%s" is rejected', (text) => {
    expect(() => parseDurationSeconds(text, '--deadline')).toThrow(`--deadline: "${text}" is not a duration`);
  });

  test.each([
    [52, '52s'],
    [125, '2m05s'],
    [2700, '45m'],
    [16020, '4h27m'],
    [7200, '2h'],
    [200000, '2d8h'],
  ])('%d s prints as %s', (s, text) => expect(formatDuration(s)).toBe(text));
});

describe('override specs', () => {
  test('price: provider:gpu, gpu, provider', () => {
    expect(parsePriceOverride('runpod:4090=0.34', KNOWN)).toMatchObject({ provider: 'runpod', gpus: ['RTX 4090'], usdPerHour: 0.34 });
    expect(parsePriceOverride('a100=$1.10/h', KNOWN)).toMatchObject({ gpus: ['A100 40GB', 'A100 80GB'], usdPerHour: 1.1 });
    expect(parsePriceOverride('vast=0.2', KNOWN)).toMatchObject({ provider: 'vast', usdPerHour: 0.2 });
  });

  test('speed: seconds or a multiple of local', () => {
    expect(parseSpeedOverride('local=6s', KNOWN)).toMatchObject({ provider: 'local', secondsPerImage: 6 });
    expect(parseSpeedOverride('runpod:4090=2.5x', KNOWN)).toMatchObject({ provider: 'runpod', gpus: ['RTX 4090'], timesFasterThanLocal: 2.5 });
    expect(parseSpeedOverride('4090=2.4', KNOWN)).toMatchObject({ gpus: ['RTX 4090'], secondsPerImage: 2.4 });
  });

  test.each([
    () => parsePriceOverride('runpod:4090', KNOWN),
    () => parsePriceOverride('runpod:4090=cheap', KNOWN),
    () => parsePriceOverride('aws:4090=1', KNOWN),
    () => parsePriceOverride('rtx9999=1', KNOWN),
    () => parseSpeedOverride('4090=fast', KNOWN),
    () => parseSpeedOverride('local=2x', KNOWN),
    () => parseSpeedOverride('4090=0s', KNOWN),
  ])('bad spec %# is a BadInputError', (f) => {
    expect(f).toThrow(BadInputError);
  });
});
