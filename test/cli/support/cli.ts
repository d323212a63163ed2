/**
 * Running the real CLI entry (`main()` of src/cli/index.ts) with a captured context, and what every refusal must
 * look like: the exact exit code, a message naming the problem, no stack trace, no internal error, no key.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import type { CliContext } from '../../../src/cli/context';
import { main } from '../../../src/cli/index';
import { findCanary } from '../../canary/scan';

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

export const EXAMPLES = path.join(__dirname, '..', '..', '..', 'examples');

/** A CLI context that keeps what the command prints: `out()` is stdout, `err()` stderr plus log lines. */
export function captureContext(env: NodeJS.ProcessEnv, cwd: string, isTTY = false): CliContext & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const sink = (append: (s: string) => void) => ({ write: (s: string | Uint8Array) => (append(String(s)), true) }) as unknown as NodeJS.WritableStream;
  return {
    env,
    cwd,
    isTTY,
    stdout: sink((s) => (out += s)),
    stderr: sink((s) => (err += s)),
    log: (line) => (err += line + '\n'),
    out: () => out,
    err: () => err,
  };
}

export async function runCli(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd: string; isTTY?: boolean }): Promise<CliResult> {
  const ctx = captureContext(opts.env ?? {}, opts.cwd, opts.isTTY);
  const code = await main(['node', 'gpuburst', ...args], ctx);
  return { code, out: ctx.out(), err: ctx.err() };
}

/** A stack frame as Node prints it: "    at fn (file.ts:12:3)". */
const STACK_FRAME = /^\s+at .+(:\d+:\d+\)?|\(native\)|<anonymous>)$/m;

/** The refusal: exact code, every pattern in the last message, no stack, no internal error, no canary key. */
export function expectRefusal(r: CliResult, code: number, says: RegExp[]): void {
  const all = `${r.out}\n${r.err}`;
  expect({ code: r.code, err: r.err }).toEqual({ code, err: expect.any(String) });
  for (const re of says) expect(r.err).toMatch(re);
  expect(all).not.toMatch(STACK_FRAME);
  expect(all).not.toMatch(/internal error|please report/);
  expect(findCanary(all)).toBeUndefined();
}

/** A fresh folder holding the example SD 1.5 workflow as wf.json, plus `files` (name → text). */
export function workspace(files: Record<string, string> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-badinput-'));
  fs.copyFileSync(path.join(EXAMPLES, 'sd15-txt2img.api.json'), path.join(dir, 'wf.json'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

const SD15_MODEL = ['models:', '  - url: https://huggingface.co/Comfy-Org/stable-diffusion-v1-5-archive/resolve/main/v1-5-pruned-emaonly-fp16.safetensors', '    folder: checkpoints'].join('\n');

/** A batch file: output `out`, the SD 1.5 checkpoint, one workflow entry (`path:` plus `extra` lines). */
export function batch(workflowPath = 'wf.json', extra: string[] = [], opts: { models?: boolean; tail?: string[] } = {}): string {
  return ['output: out', ...(opts.models === false ? [] : [SD15_MODEL]), 'workflows:', `  - path: ${workflowPath}`, ...extra.map((l) => `    ${l}`), ...(opts.tail ?? [])].join('\n') + '\n';
}

/** The example workflow with one node input changed (or a node added). */
export function workflowWith(change: (wf: Record<string, { class_type: string; inputs: Record<string, unknown> }>) => void): string {
  const wf = JSON.parse(fs.readFileSync(path.join(EXAMPLES, 'sd15-txt2img.api.json'), 'utf8'));
  change(wf);
  return JSON.stringify(wf);
}
