import { BadInputError } from '../../providers/errors';
import { GPUS } from '../../providers/gpus';
import { IMAGE_PINS, imageOverride, imageRuns, knownComfyuiVersions, minHostCuda, resolveImage } from '../../providers/images';
import { CLOUD_PROVIDERS } from '../../providers/types';
import { COMFYUI_VERSION } from '../../src/comfy/version';

describe('image pins', () => {
  it('pins every image to a version tag, never latest', () => {
    for (const p of CLOUD_PROVIDERS) {
      for (const pin of IMAGE_PINS[p]) {
        const tag = pin.image.split('/').pop()!.split(':')[1];
        expect(tag).toBeDefined();
        expect(tag).not.toMatch(/latest/);
        expect(pin.image).toContain(pin.comfyuiVersion);
      }
    }
  });

  it('defaults Vast to the ComfyUI release whose node set gpuburst bundles', () => {
    expect(IMAGE_PINS.vast[0].comfyuiVersion).toBe(COMFYUI_VERSION);
    expect(resolveImage({ provider: 'vast', gpu: 'RTX 4090' }).image).toBe(`vastai/comfy:v${COMFYUI_VERSION}-cuda-12.9-py312`);
  });

  it('gives every GPU of the table an architecture', () => {
    for (const g of GPUS) expect(g.arch).toMatch(/^(maxwell|pascal|volta|turing|ampere|ada|hopper|blackwell|cdna)$/);
  });

  it('runs a Blackwell GPU only on a CUDA 12.8+ build', () => {
    expect(resolveImage({ provider: 'vast', gpu: 'RTX 5090' }).pin?.cuda).toBe('12.9');
    for (const provider of ['runpod', 'lambda', 'paperspace'] as const) {
      for (const gpu of ['RTX 5090', 'RTX PRO 6000', 'B200']) {
        const err = catchErr(() => resolveImage({ provider, gpu }));
        expect(err).toBeInstanceOf(BadInputError);
        // One line: the GPU, the image, what to choose.
        expect(err.message).toContain(gpu);
        expect(err.message).toContain(IMAGE_PINS[provider][0].image);
        expect(err.message).toMatch(/choose provider vast/);
        expect(err.message).not.toContain('\n');
      }
    }
  });

  it('refuses Volta on a cu128 build and names the build that runs it', () => {
    const err = catchErr(() => resolveImage({ provider: 'vast', gpu: 'V100 16GB' }));
    expect(err.message).toMatch(/V100 16GB \(volta\) cannot run vastai\/comfy:/);
    expect(err.message).toMatch(/comfyui: 0\.2\.2/);
    expect(resolveImage({ provider: 'runpod', gpu: 'V100 16GB' }).pin?.comfyuiVersion).toBe('0.2.2');
  });

  it('refuses an AMD GPU everywhere', () => {
    for (const provider of CLOUD_PROVIDERS) expect(imageRuns({ provider, gpu: 'MI300X' })).toBe(false);
  });

  it('picks the pin of the asked ComfyUI version and refuses one without an image, naming the accepted ones', () => {
    expect(resolveImage({ provider: 'vast', gpu: 'RTX 4090', comfyuiVersion: '0.22.0' }).image).toBe('vastai/comfy:v0.22.0-cuda-12.9-py312');
    const err = catchErr(() => resolveImage({ provider: 'runpod', gpu: 'RTX 4090', comfyuiVersion: '0.22.0' }));
    expect(err.message).toBe('comfyui: 0.22.0 has no image on runpod; accepted there: 0.2.2');
    expect(knownComfyuiVersions()).toEqual(expect.arrayContaining(['0.2.2', '0.3.64', '0.22.0']));
  });

  it('asks Vast hosts for a driver of the pins\' CUDA major version (minor-version compatibility)', () => {
    expect(minHostCuda('vast')).toBe(12);
  });

  it('takes GPUBURST_<CLOUD>_IMAGE when pinned, refuses latest or no tag', () => {
    const env = { GPUBURST_RUNPOD_IMAGE: 'ghcr.io/me/comfy:v1' };
    expect(resolveImage({ provider: 'runpod', gpu: 'RTX 5090', env }).image).toBe('ghcr.io/me/comfy:v1');
    expect(imageOverride('runpod', { GPUBURST_RUNPOD_IMAGE: 'me/comfy@sha256:abc' })).toBe('me/comfy@sha256:abc');
    for (const bad of ['me/comfy', 'me/comfy:latest', 'registry:5000/comfy', 'me/comfy:latest-cuda']) {
      expect(() => imageOverride('lambda', { GPUBURST_LAMBDA_IMAGE: bad })).toThrow(/GPUBURST_LAMBDA_IMAGE=".*" is not pinned/);
    }
  });
});

function catchErr(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a throw');
}
