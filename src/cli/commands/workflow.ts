/**
 * `gpuburst workflow convert <ui.json> [--object-info <file> | --server <url>] [-o out.json|dir]` prints (or writes)
 * the API-format prompt of a UI-format workflow.
 * `gpuburst workflow validate <file> [--object-info <file> | --server <url>]` checks a workflow (API or UI format)
 * or a whole batch file before any money is spent: every problem with node id and class, exit 1 if any is an error.
 * `gpuburst workflow save-nodes --server <url> -o nodes.json` saves a server's node definitions (GET /object_info)
 * for offline use with --object-info.
 * Node definitions default to the bundled core nodes of ComfyUI v0.3.64: offline, a custom node is a warning.
 */
import fs from 'fs';
import path from 'path';
import type { Command } from 'commander';
import { BadInputError } from '../../../providers/errors';
import { isHttpUrl } from '../../../providers/http-url';
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
    .argument('<action>', 'convert | validate | save-nodes')
    .argument('[file]', 'a workflow JSON (API or UI format); validate also takes a batch file (.yaml)')
    .option('--object-info <file>', 'node definitions saved from a server (the JSON of GET /object_info)')
    .option('--server <url>', 'read node definitions from a running ComfyUI, e.g. http://127.0.0.1:8188')
    .option('--token <token>', 'access token of the server\'s auth proxy (default: $GPUBURST_COMFY_TOKEN)')
    .option('-o, --output <file>', 'convert: write the API-format prompt to this file (or into this folder) instead of printing it; save-nodes: the file to write')
    .option('--json', 'print the result as JSON');
}

export async function run(args: unknown[], opts: Options, ctx: CliContext): Promise<CommandResult> {
  const [action, rawFile] = args.map((a) => (a === undefined ? undefined : String(a)));
  if (opts.objectInfo && opts.server) throw new BadInputError('use either --object-info or --server, not both');
  if (opts.server !== undefined && !isHttpUrl(opts.server)) throw new BadInputError(`--server: "${opts.server}" is not accepted; accepted: a ComfyUI URL such as http://127.0.0.1:8188`);
  if (action === 'save-nodes') return saveNodes(opts, ctx);
  if (action !== 'convert' && action !== 'validate') throw new BadInputError(`unknown workflow action "${action}"; use convert, validate or save-nodes`);
  if (!rawFile) throw new BadInputError(`workflow ${action} needs a file: gpuburst workflow ${action} <file>`);
  const file = path.resolve(ctx.cwd, rawFile);
  return action === 'convert' ? convert(file, opts, ctx) : validate(file, opts, ctx);
}

/** Node definitions from a file, a server, or the bundled core nodes. */
async function nodeDefinitions(opts: Options, ctx: CliContext): Promise<{ info: ObjectInfo; source: string }> {
  const { bundledObjectInfo, readObjectInfoFile, COMFYUI_VERSION } = await import('../../comfy/workflow/object-info');
  if (opts.objectInfo) return { info: readObjectInfoFile(path.resolve(ctx.cwd, opts.objectInfo)), source: opts.objectInfo };
  if (opts.server) {
    const { ComfyClient } = await import('../../comfy/client');
    const { localComfyTimeoutMs } = await import('../../../providers/local/settings');
    const timeoutMs = localComfyTimeoutMs(ctx.env); // a bad value is refused before anything is asked
    const client = new ComfyClient({ baseUrl: opts.server, token: opts.token ?? ctx.env.GPUBURST_COMFY_TOKEN, log: ctx.log });
    // A probe first: a server that never answers fails within one local deadline, not after /object_info's 2 × 120 s.
    await client.expectReady(timeoutMs);
    return { info: await client.objectInfo(), source: opts.server };
  }
  return { info: bundledObjectInfo(), source: `the bundled core-node definitions of ComfyUI v${COMFYUI_VERSION}` };
}

async function saveNodes(opts: Options, ctx: CliContext): Promise<CommandResult> {
  if (!opts.server) throw new BadInputError('workflow save-nodes reads the node definitions of a running server: pass --server <url>, e.g. --server http://127.0.0.1:8188');
  if (!opts.output) throw new BadInputError('workflow save-nodes needs -o <file> to write the definitions to, e.g. -o nodes.json');
  const { info } = await nodeDefinitions({ ...opts, objectInfo: undefined }, ctx);
  const out = writeTarget(path.resolve(ctx.cwd, opts.output), 'object_info.json');
  writeFile(out, JSON.stringify(info) + '\n');
  const classes = Object.keys(info).length;
  return { data: { server: opts.server, output: out, classes }, text: () => `wrote ${path.relative(ctx.cwd, out) || out}: ${classes} node classes from ${opts.server}; use it with --object-info` };
}

async function convert(file: string, opts: Options, ctx: CliContext): Promise<CommandResult> {
  const { readWorkflowFile } = await import('../../comfy/workflow/format');
  const { convertUiToApi } = await import('../../comfy/workflow/convert');
  const { format, json } = readWorkflowFile(file);
  const prompt = format === 'api' ? (json as ApiPrompt) : convertUiToApi(json as UiWorkflow, (await nodeDefinitions(opts, ctx)).info);
  const nodes = Object.keys(prompt).length;
  if (opts.output) {
    const out = writeTarget(path.resolve(ctx.cwd, opts.output), `${path.basename(file).replace(/(\.ui|\.api)?\.json$/i, '')}.api.json`);
    writeFile(out, JSON.stringify(prompt, null, 2) + '\n');
    return { data: { file, format, output: out, nodes }, text: () => `wrote ${path.relative(ctx.cwd, out) || out}: ${nodes} nodes in API format${format === 'api' ? ' (the input was already API format)' : ''}` };
  }
  return { data: prompt, text: () => JSON.stringify(prompt, null, 2) };
}

/** `-o` may name a folder: the file goes inside it under `name`. */
function writeTarget(output: string, name: string): string {
  return fs.existsSync(output) && fs.statSync(output).isDirectory() ? path.join(output, name) : output;
}

function writeFile(out: string, text: string): void {
  try {
    fs.writeFileSync(out, text);
  } catch (err) {
    throw new BadInputError(`cannot write ${out} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); -o takes a file in an existing folder, or a folder`);
  }
}

interface Found extends NodeProblem {
  where?: string;
  file?: string;
}

async function validate(file: string, opts: Options, ctx: CliContext): Promise<CommandResult> {
  const { info: objectInfo, source } = await nodeDefinitions(opts, ctx);
  let problems: Found[];
  let prompts = 1;
  const { suggestNodePacks } = await import('../../comfy/batch/nodes');
  const { readWorkflowFile } = await import('../../comfy/workflow/format');
  let uiFiles: string[] = [];
  if (/\.ya?ml$/i.test(file)) {
    const { prepareBatch, checkBatch } = await import('../../comfy/batch/expand');
    const { batch, prompts: expanded } = prepareBatch(file, objectInfo);
    prompts = expanded.length;
    const { errors, warnings } = checkBatch(batch, expanded, objectInfo);
    problems = [...errors, ...warnings];
    uiFiles = batch.workflows.filter((w) => w.format === 'ui').map((w) => w.file);
  } else {
    const { convertUiToApi } = await import('../../comfy/workflow/convert');
    const { validateApiPrompt } = await import('../../comfy/workflow/validate');
    const { format, json } = readWorkflowFile(file);
    // Custom nodes cannot be converted without their definitions, but the rest of the graph can still be checked.
    const prompt = format === 'api' ? (json as ApiPrompt) : convertUiToApi(json as UiWorkflow, objectInfo, { unknownClasses: 'links-only' });
    problems = validateApiPrompt(prompt, { objectInfo });
    if (format === 'ui') uiFiles = [file];
  }
  // Packs the UI workflows name (properties.cnr_id / aux_id): what to put under `nodes:` in the batch file.
  const suggestedNodes = [...new Set(uiFiles.flatMap((f) => suggestNodePacks(readWorkflowFile(f).json as Parameters<typeof suggestNodePacks>[0])))].sort();
  const suggestLines = suggestedNodes.length ? ['  the workflow names these custom node packs; pin and add them under nodes: in the batch file:', ...suggestedNodes.map((n) => `    - ${n}`)] : [];
  const name = path.basename(file);
  const errors = problems.filter((p) => p.severity !== 'warning');
  const warnings = problems.filter((p) => p.severity === 'warning');
  const data = { file, source, prompts, problems: errors, warnings, suggestedNodes };
  const line = (p: Found) => `${p.where ? `${p.where} (${path.basename(p.file ?? '')}) ` : ''}${p.nodeId ? `node ${p.nodeId} (${p.classType || 'unknown class'})` : 'prompt'}: ${p.message}`;
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  const warningLines = warnings.map((p) => `  warning: ${line(p)}`);
  if (errors.length === 0) {
    const head = `${name}: ${plural(prompts, 'prompt')}, no problems${warnings.length ? ` (${plural(warnings.length, 'warning')})` : ''} (checked against ${source})`;
    return { data, text: () => [head, ...warningLines, ...suggestLines].join('\n') };
  }
  return {
    data,
    exitCode: 1,
    text: () => [`${name}: ${plural(errors.length, 'problem')} (checked against ${source}):`, ...errors.map((p) => `  ${line(p)}`), ...warningLines, ...suggestLines].join('\n'),
  };
}
