/**
 * `gpuburst workflow convert <ui.json> (--object-info <file> | --server <url>) [-o out.json]` prints (or writes)
 * the API-format prompt of a UI-format workflow.
 * `gpuburst workflow validate <file> [--object-info <file> | --server <url>]` checks a workflow (API or UI format)
 * or a whole batch file before any money is spent: every problem with node id and class, exit 1 if any. Node
 * definitions default to the bundled snapshot of ComfyUI's core nodes.
 */
import fs from 'fs';
import path from 'path';
import type { Command } from 'commander';
import { BadInputError } from '../../../providers/errors';
import type { CliContext, CommandResult } from '../context';
import type { ApiPrompt, NodeProblem, ObjectInfo } from '../../comfy/types';
import type { UiWorkflow } from '../../comfy/workflow/format';

interface Options {
  objectInfo?: string;
  server?: string;
  token?: string;
  output?: string;
  json?: boolean;
}

export function define(cmd: Command): void {
  cmd
    .argument('<action>', 'convert | validate')
    .argument('<file>', 'a workflow JSON (API or UI format); validate also takes a batch file (.yaml)')
    .option('--object-info <file>', 'node definitions saved from a server (the JSON of GET /object_info)')
    .option('--server <url>', 'read node definitions from a running ComfyUI, e.g. http://127.0.0.1:8188')
    .option('--token <token>', 'access token of the server\'s auth proxy (default: $GPUBURST_COMFY_TOKEN)')
    .option('-o, --output <file>', 'convert: write the API-format prompt to this file instead of printing it')
    .option('--json', 'print the result as JSON');
}

export async function run(args: unknown[], opts: Options, ctx: CliContext): Promise<CommandResult> {
  const [action, rawFile] = args.map(String);
  const file = path.resolve(ctx.cwd, rawFile);
  if (opts.objectInfo && opts.server) throw new BadInputError('use either --object-info or --server, not both');
  if (action === 'convert') return convert(file, opts, ctx);
  if (action === 'validate') return validate(file, opts, ctx);
  throw new BadInputError(`unknown workflow action "${action}"; use convert or validate`);
}

/** Node definitions from a file, a server, or (when `fallback`) the bundled snapshot. */
async function nodeDefinitions(opts: Options, ctx: CliContext, fallback: boolean): Promise<{ info?: ObjectInfo; source: string }> {
  const { bundledObjectInfo, readObjectInfoFile } = await import('../../comfy/workflow/object-info');
  if (opts.objectInfo) return { info: readObjectInfoFile(path.resolve(ctx.cwd, opts.objectInfo)), source: opts.objectInfo };
  if (opts.server) {
    const { ComfyClient } = await import('../../comfy/client');
    const client = new ComfyClient({ baseUrl: opts.server, token: opts.token ?? ctx.env.GPUBURST_COMFY_TOKEN, log: ctx.log });
    return { info: await client.objectInfo(), source: opts.server };
  }
  return fallback ? { info: bundledObjectInfo(), source: 'the bundled core-node definitions' } : { source: 'none' };
}

async function convert(file: string, opts: Options, ctx: CliContext): Promise<CommandResult> {
  const { readWorkflowFile } = await import('../../comfy/workflow/format');
  const { convertUiToApi } = await import('../../comfy/workflow/convert');
  const { format, json } = readWorkflowFile(file);
  let prompt: ApiPrompt;
  if (format === 'api') prompt = json as ApiPrompt;
  else {
    const { info } = await nodeDefinitions(opts, ctx, false);
    if (!info) throw new BadInputError(`${path.basename(file)} is a UI-format workflow: converting it needs node definitions; pass --object-info <file> (saved from GET /object_info) or --server <url>`);
    prompt = convertUiToApi(json as UiWorkflow, info);
  }
  const nodes = Object.keys(prompt).length;
  if (opts.output) {
    const out = path.resolve(ctx.cwd, opts.output);
    fs.writeFileSync(out, JSON.stringify(prompt, null, 2) + '\n');
    return { data: { file, format, output: out, nodes }, text: () => `wrote ${opts.output}: ${nodes} nodes in API format${format === 'api' ? ' (the input was already API format)' : ''}` };
  }
  return { data: prompt, text: () => JSON.stringify(prompt, null, 2) };
}

interface Found extends NodeProblem {
  where?: string;
  file?: string;
}

async function validate(file: string, opts: Options, ctx: CliContext): Promise<CommandResult> {
  const { info, source } = await nodeDefinitions(opts, ctx, true);
  const objectInfo = info as ObjectInfo;
  let problems: Found[];
  let prompts = 1;
  if (/\.ya?ml$/i.test(file)) {
    const { prepareBatch, validateBatch } = await import('../../comfy/batch/expand');
    const { batch, prompts: expanded } = prepareBatch(file, objectInfo);
    prompts = expanded.length;
    problems = validateBatch(batch, expanded, objectInfo);
  } else {
    const { readWorkflowFile } = await import('../../comfy/workflow/format');
    const { convertUiToApi } = await import('../../comfy/workflow/convert');
    const { validateApiPrompt } = await import('../../comfy/workflow/validate');
    const { format, json } = readWorkflowFile(file);
    const prompt = format === 'api' ? (json as ApiPrompt) : convertUiToApi(json as UiWorkflow, objectInfo);
    problems = validateApiPrompt(prompt, { objectInfo });
  }
  const name = path.basename(file);
  const data = { file, source, prompts, problems };
  if (problems.length === 0) return { data, text: () => `${name}: ${prompts} prompt${prompts === 1 ? '' : 's'}, no problems (checked against ${source})` };
  const lines = problems.map((p) => `${p.where ? `${p.where} (${path.basename(p.file ?? '')}) ` : ''}${p.nodeId ? `node ${p.nodeId} (${p.classType || 'unknown class'})` : 'prompt'}: ${p.message}`);
  return {
    data,
    exitCode: 1,
    text: () => [`${name}: ${problems.length} problem${problems.length === 1 ? '' : 's'} (checked against ${source}):`, ...lines.map((l) => `  ${l}`)].join('\n'),
  };
}
