/**
 * The session's outcome words and its stop on a local write failure (issue 12: "after ENOSPC it keeps rendering
 * and says done 69/120"). The write failure is injected by putting a file where the session's output folder goes,
 * so every pull fails with ENOTDIR, an error of this computer's disk, not of the machine.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { TransientError } from '../../providers/errors';
import { localWriteCode } from '../../src/session/render';
import { outcomeOf, ReportInput } from '../../src/session/report';
import { runSession } from '../../src/session/session';
import { startComfySim, ComfySim } from '../../src/sim/comfyui';

const EXAMPLES = path.join(__dirname, '..', '..', 'examples');
let server: ComfySim;
beforeAll(async () => {
  server = await startComfySim({ msPerStep: 2, models: { checkpoints: ['v1-5-pruned-emaonly-fp16.safetensors'] } });
});
afterAll(async () => {
  await server.close();
});

const cases: [string, Partial<ReportInput>, number, string][] = [
  ['every prompt done', {}, 12, 'done'],
  ['some done', {}, 5, 'partial'],
  ['none done', {}, 0, 'failed'],
  ['none done after a failure', { failure: new Error('x') }, 0, 'failed'],
  ['some done, then a failure', { failure: new Error('x') }, 3, 'partial'],
  ['all done but the session failed afterwards', { failure: new Error('x') }, 12, 'partial'],
  ['interrupted', { interrupted: true }, 12, 'interrupted'],
  ['budget stop', { render: { done: 2, failed: 0, notStarted: 10, interrupted: 0, stoppedBy: 'budget', machineErrors: [] } }, 2, 'stopped'],
];
test.each(cases)('%s', (_name, input, done, status) => {
  expect(outcomeOf({ interrupted: false, ...input }, done, 12)).toBe(status);
});

test('a local write error is found through the errors that wrap it; a machine error is not one', () => {
  const disk = Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
  expect(localWriteCode(new TransientError('download failed', { provider: 'comfyui', cause: disk }))).toBe('ENOSPC');
  expect(localWriteCode(new TransientError('socket hang up', { provider: 'comfyui', cause: Object.assign(new Error('x'), { code: 'ECONNRESET' }) }))).toBeUndefined();
});

test('a local write failure stops rendering at once; the outputs left on the machine are listed; not done', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-outcome-'));
  fs.copyFileSync(path.join(EXAMPLES, 'sd15-txt2img.api.json'), path.join(dir, 'wf.json'));
  fs.writeFileSync(path.join(dir, 'batch.yaml'), 'output: out\nworkflows:\n  - path: wf.json\n    name: lake\n    repeat: 12\n');
  const warnings: string[] = [];
  const report = await runSession({
    batchFile: path.join(dir, 'batch.yaml'),
    provider: 'local',
    comfyUrls: [server.url],
    stateDir: path.join(dir, '.gpuburst'),
    cwd: dir,
    env: {},
    confirm: async () => true,
    timings: { pollSeconds: 0.1, readyTimeoutSeconds: 10, confirmSeconds: 5 },
    emit: (e) => {
      // Where this session's images would go, a file: the disk refuses every write below it.
      if (e.type === 'session' && e.status === 'planning') {
        fs.mkdirSync(path.join(dir, 'out'), { recursive: true });
        fs.writeFileSync(path.join(dir, 'out', e.id), 'not a folder');
      }
      if (e.type === 'log' && e.level === 'warn') warnings.push(e.message);
    },
  });
  expect(report.status).toBe('failed');
  expect(report.images).toBe(0);
  expect(report.stoppedBy).toBe('local-write');
  expect(warnings.join('\n')).toMatch(/writing outputs to .* failed \(ENOTDIR\); rendering stopped/);
  // Stopped at the first failed write: most of the batch never started (renders here take milliseconds, so a few
  // more than the three queued at once may have ended meanwhile).
  expect(report.prompts.notStarted).toBeGreaterThanOrEqual(6);
  expect(report.remoteOutputs.length).toBeGreaterThan(0);
  expect(report.remoteOutputs[0].files[0]).toMatch(/\.png$/);
  expect(report.nextSteps).toMatch(/still on the machine/);
  fs.rmSync(dir, { recursive: true, force: true });
}, 30_000);
