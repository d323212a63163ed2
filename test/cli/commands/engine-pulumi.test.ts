/**
 * `gpuburst run --engine pulumi <stack>` over the real Automation API, with a stand-in `pulumi` executable on PATH
 * (the CLI cannot be installed here). The stand-in records each command and answers like the CLI; the tests check
 * what only this module decides: the CLI is never fetched, `destroy` always follows `up`, errors are one line.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import * as automation from '@pulumi/pulumi/automation';
import { GpuburstError } from '../../../providers/errors';
import { PULUMI_INSTALL, PulumiRunOptions, runWithPulumi } from '../../../src/cli/commands/engine-pulumi';
import type { SessionEvent } from '../../../src/session/events';

// Answers version, stack select/output/history, up and destroy; FAKE_PULUMI_UP / _DESTROY choose how up and destroy end.
const FAKE_PULUMI = `#!/usr/bin/env node
const fs = require('fs');
const args = process.argv.slice(2).filter((a) => a !== '--non-interactive');
if (process.env.FAKE_PULUMI_LOG) fs.appendFileSync(process.env.FAKE_PULUMI_LOG, JSON.stringify(args) + '\\n');
const out = (s) => process.stdout.write(s + '\\n');
const fail = (s, code = 1) => { process.stderr.write(s + '\\n'); process.exit(code); };
const outputs = { images: 4, tornDown: true, endpoint: 'http://10.1.2.3:8188' };
switch (args[0] === 'stack' ? 'stack ' + args[1] : args[0]) {
  case 'version': out('v3.248.0'); break;
  case 'stack select': break;
  case 'stack output': out(JSON.stringify(args.includes('--show-secrets') ? outputs : { ...outputs, endpoint: '[secret]' })); break;
  case 'stack history': out('[]'); break;
  case 'up':
    out('Updating (sim):');
    if (process.env.FAKE_PULUMI_UP === 'fail') fail('error: gpuburst:batchFile: missing; expected a string');
    if (process.env.FAKE_PULUMI_UP === 'wait') {
      process.on('SIGINT', () => fail('error: update canceled', 255));
      setInterval(() => {}, 1000);
      break;
    }
    out('    + gpuburst-machine created'); out('Resources:'); out('    + 4 created');
    break;
  case 'destroy':
    out('Destroying (sim):');
    if (process.env.FAKE_PULUMI_DESTROY === 'fail') fail('error: deleting gpuburst-machine: vast: simulated refusal');
    out('Resources:'); out('    - 4 deleted');
    break;
  default: fail('error: unknown command ' + args.join(' '));
}
`;

let root: string;
let project: string;
let bin: string;
let commandLog: string;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-engine-pulumi-'));
  project = path.join(root, 'project');
  bin = path.join(root, 'pulumi-home', 'bin');
  commandLog = path.join(root, 'commands.log');
  fs.mkdirSync(path.join(project, 'stacks'), { recursive: true });
  fs.writeFileSync(path.join(project, 'Pulumi.yaml'), 'name: gpuburst\nruntime: nodejs\nmain: stacks/index.ts\nstackConfigDir: stacks\n');
  fs.writeFileSync(path.join(project, 'stacks', 'Pulumi.sim.yaml'), 'config:\n  gpuburst:batchFile: batch.yaml\n');
  fs.mkdirSync(bin, { recursive: true });
  fs.writeFileSync(path.join(bin, 'pulumi'), FAKE_PULUMI, { mode: 0o755 });
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

const nodeDir = path.dirname(process.execPath);
const commands = (): string[] => (fs.existsSync(commandLog) ? fs.readFileSync(commandLog, 'utf8').trim().split('\n').map((l) => commandName(JSON.parse(l) as string[])) : []);
const commandName = (args: string[]) => (args[0] === 'stack' ? `stack ${args[1]}` : args[0]);

function options(env: Record<string, string> = {}, signal?: AbortSignal) {
  const events: SessionEvent[] = [];
  const o: PulumiRunOptions = { stack: 'sim', cwd: project, env: { PATH: `${bin}${path.delimiter}${nodeDir}`, FAKE_PULUMI_LOG: commandLog, ...env }, signal, emit: (e) => void events.push(e) };
  return { o, events, lines: () => events.flatMap((e) => (e.type === 'log' ? [e.message] : [])) };
}

async function failure(promise: Promise<unknown>): Promise<GpuburstError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(GpuburstError);
  return err as GpuburstError;
}

test('without the pulumi CLI: one line saying how to install it, and nothing is downloaded', async () => {
  const install = jest.spyOn(automation.PulumiCommand, 'install');
  const { o } = options({ PATH: path.join(root, 'empty') });
  const err = await failure(runWithPulumi(o));

  expect(err.code).toBe('ERR_BAD_INPUT');
  expect(err.message).toBe(`the pulumi CLI is not installed (no pulumi on PATH); install it with \`${PULUMI_INSTALL}\`, then retry`);
  expect(install).not.toHaveBeenCalled();
  install.mockRestore();
});

test('up waits for the stack, then destroy ends it; secret outputs stay hidden', async () => {
  const { o, lines } = options();
  const result = await runWithPulumi(o);

  expect(commands()).toEqual(['stack select', 'up', 'stack output', 'stack output', 'stack history', 'destroy', 'stack history']);
  expect(result).toEqual({ stack: 'sim', outputs: { images: 4, tornDown: true, endpoint: '[secret]' }, interrupted: false });
  expect(lines()).toEqual(expect.arrayContaining(['    + 4 created', '    - 4 deleted']));
});

test('a failed up is still destroyed, and reported in one line', async () => {
  const { o } = options({ FAKE_PULUMI_UP: 'fail' });
  const err = await failure(runWithPulumi(o));

  expect(commands()).toEqual(['stack select', 'up', 'destroy', 'stack history']);
  expect(err.message).toBe('pulumi up failed: gpuburst:batchFile: missing; expected a string; the stack was destroyed');
});

test('an interrupted up is stopped and the stack destroyed (destroy itself is not interrupted)', async () => {
  const controller = new AbortController();
  const { o } = options({ FAKE_PULUMI_UP: 'wait' }, controller.signal);
  o.emit = (e: SessionEvent) => {
    if (e.type === 'log' && e.message === 'Updating (sim):') controller.abort();
  };
  const result = await runWithPulumi(o);

  expect(result).toEqual({ stack: 'sim', outputs: {}, interrupted: true });
  expect(commands()).toEqual(['stack select', 'up', 'destroy', 'stack history']);
});

test('a failed destroy says a machine may still bill and how to end it', async () => {
  const { o } = options({ FAKE_PULUMI_UP: 'fail', FAKE_PULUMI_DESTROY: 'fail' });
  const err = await failure(runWithPulumi(o));

  expect(err.message).toBe('pulumi destroy failed: deleting gpuburst-machine: vast: simulated refusal (after up failed: gpuburst:batchFile: missing; expected a string); a machine may still be billing: run `pulumi destroy --stack sim` or `gpuburst sweep`');
  expect(err.message).not.toContain('\n');
});

test('an unknown stack is refused before pulumi runs, listing the known ones', async () => {
  const { o } = options();
  const err = await failure(runWithPulumi({ ...o, stack: 'vast-4090' }));

  expect(err.message).toBe('unknown stack "vast-4090": no stacks/Pulumi.vast-4090.yaml; known: sim');
  expect(commands()).toEqual([]);
});
