/** The session report's lines: figures read right at every scale (a simulated or model-free prompt takes milliseconds). */
import { renderReport } from '../../../src/cli/render/session';
import type { SessionReport } from '../../../src/session/report';

function report(secondsPerImage?: number): SessionReport {
  return {
    sessionId: 's1',
    status: 'done',
    images: 3,
    model: 'sd15',
    prompts: { total: 3, done: 3, failed: 0, interrupted: 0, notStarted: 0 },
    interruptedPrompts: [],
    wallSeconds: 12,
    billedSeconds: 13,
    costUsd: 0.01,
    estimateUsd: 0.02,
    secondsPerImage,
    failures: [],
    remoteOutputs: [],
    machines: [],
    outDir: '/tmp/out',
    imagesDir: '/tmp/out/sdxl/sdxl',
    message: '',
    nextSteps: '',
  };
}

const speedLine = (r: SessionReport) => renderReport(r).split('\n').find((l) => l.startsWith('speed:'));

test('speed: two decimals, and "under 0.01" rather than a speed of zero for a prompt of a few milliseconds', () => {
  expect(speedLine(report(2.345))).toBe('speed: 2.35 s/image');
  expect(speedLine(report(0.004))).toBe('speed: under 0.01 s/image');
  expect(speedLine(report(0.01))).toBe('speed: 0.01 s/image');
  expect(speedLine(report(undefined))).toBeUndefined();
});

test('the images line names the folder the images are in, not the session folder above it', () => {
  expect(renderReport(report(1)).split('\n')[1]).toBe('images: 3 (3/3 prompts done) in /tmp/out/sdxl/sdxl');
});
