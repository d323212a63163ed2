/**
 * `gpuburst run --engine pulumi <stack>`: the stack (`stacks/Pulumi.<stack>.yaml`) through Pulumi's Automation API —
 * `up`, which waits for the render, then `destroy` in `finally`, whatever happened — so the same resources and the
 * same teardown as `pulumi up` / `pulumi destroy`. The Automation API drives the `pulumi` CLI: without one this says
 * how to install it and stops; it never downloads anything.
 */
import fs from 'fs';
import path from 'path';
import { parse } from 'yaml';
import { BadInputError, ProviderError } from '../../../providers/errors';
import { redact } from '../../../providers/redact';
import type { Emit } from '../../session/events';

export const PULUMI_INSTALL = 'curl -fsSL https://get.pulumi.com | sh';

export interface PulumiRunOptions {
  /** Stack name: its config is `stacks/Pulumi.<stack>.yaml`. */
  stack: string;
  /** The project folder (holding Pulumi.yaml). */
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Aborting interrupts `up` (SIGINT to the CLI); `destroy` still runs, and is never interrupted. */
  signal?: AbortSignal;
  emit: Emit;
}

export interface PulumiRunResult {
  stack: string;
  /** Stack outputs after `up`; secret ones as "[secret]". Empty when `up` was interrupted. */
  outputs: Record<string, unknown>;
  /** `up` was interrupted (the signal); everything it created was destroyed. */
  interrupted: boolean;
}

type Automation = typeof import('@pulumi/pulumi/automation');

export async function runWithPulumi(o: PulumiRunOptions): Promise<PulumiRunResult> {
  checkStack(o.cwd, o.stack);
  const cli = onPath('pulumi', o.env);
  if (!cli) throw new BadInputError(`the pulumi CLI is not installed (no pulumi on PATH); install it with \`${PULUMI_INSTALL}\`, then retry`);
  const auto: Automation = await import('@pulumi/pulumi/automation');
  const pulumiCommand = await auto.PulumiCommand.get(path.basename(path.dirname(cli)) === 'bin' ? { root: path.dirname(path.dirname(cli)) } : undefined).catch((err: unknown) => {
    throw new BadInputError(`the pulumi CLI at ${cli} does not work (${firstLine(err)}); reinstall it with \`${PULUMI_INSTALL}\``);
  });
  const envVars = Object.fromEntries(Object.entries(o.env).filter((e): e is [string, string] => e[1] !== undefined));
  const stack = await auto.LocalWorkspace.createOrSelectStack({ stackName: o.stack, workDir: o.cwd }, { pulumiCommand, envVars }).catch((err: unknown) => {
    throw new ProviderError(`pulumi could not select stack ${o.stack}: ${pulumiError(err)}`);
  });
  const onOutput = (text: string) => {
    for (const line of text.split('\n')) if (line.trim()) o.emit({ type: 'log', level: 'info', message: redact(line.trimEnd()) });
  };

  let outputs: Record<string, unknown> = {};
  let upError: unknown;
  let destroyError: unknown;
  try {
    const up = await stack.up({ onOutput, signal: o.signal });
    outputs = Object.fromEntries(Object.entries(up.outputs).map(([k, v]) => [k, v.secret ? '[secret]' : v.value]));
  } catch (err) {
    upError = err;
  } finally {
    o.emit({ type: 'log', level: 'info', message: `pulumi destroy --stack ${o.stack}: ending what the stack created` });
    destroyError = await stack.destroy({ onOutput, continueOnError: true }).then(() => undefined, (err: unknown) => err ?? new Error('destroy failed'));
  }
  if (destroyError) {
    // A failed destroy may leave a machine billing: that is what the user must hear first.
    const after = upError ? ` (after up failed: ${pulumiError(upError)})` : '';
    throw new ProviderError(`pulumi destroy failed: ${pulumiError(destroyError)}${after}; a machine may still be billing: run \`pulumi destroy --stack ${o.stack}\` or \`gpuburst sweep\``);
  }
  if (upError && o.signal?.aborted) return { stack: o.stack, outputs, interrupted: true };
  if (upError) throw new ProviderError(`pulumi up failed: ${pulumiError(upError)}; the stack was destroyed`);
  return { stack: o.stack, outputs, interrupted: false };
}

/** The stack's config file must exist: a typo must not create an empty stack. */
function checkStack(cwd: string, stack: string): void {
  const projectFile = path.join(cwd, 'Pulumi.yaml');
  if (!fs.existsSync(projectFile)) throw new BadInputError(`no Pulumi.yaml in ${cwd}; run from the gpuburst project folder`);
  const configDir = path.join(cwd, String(parse(fs.readFileSync(projectFile, 'utf8'))?.stackConfigDir ?? '.'));
  if (fs.existsSync(path.join(configDir, `Pulumi.${stack}.yaml`))) return;
  const known = fs.existsSync(configDir) ? fs.readdirSync(configDir).map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1]).filter(Boolean) : [];
  throw new BadInputError(`unknown stack "${stack}": no ${path.relative(cwd, configDir) || '.'}/Pulumi.${stack}.yaml; known: ${known.join(', ') || 'none'}`);
}

/** The executable `name` on the environment's PATH, if any. */
function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** One line out of an Automation API CommandError: the CLI's first `error:` line, else the last line it printed. */
function pulumiError(err: unknown): string {
  const result = (err as { commandResult?: { stdout?: string; stderr?: string } }).commandResult;
  const lines = `${result?.stderr ?? ''}\n${result?.stdout ?? ''}`.split('\n').map((l) => l.trim()).filter(Boolean);
  const line = lines.find((l) => l.startsWith('error:')) ?? lines[lines.length - 1] ?? firstLine(err);
  return redact(line.replace(/^error:\s*/, ''));
}

function firstLine(err: unknown): string {
  return redact(String((err as Error)?.message ?? err).split('\n')[0]);
}
