/**
 * The command table. Each command module is loaded only when that command runs (help loads them all, `--version`
 * none), so `gpuburst estimate` never pays for axios, ws or Pulumi.
 */
import { Command } from 'commander';
import type { CliContext, CommandModule } from './context';
import { report } from './report';
import { version } from '../../package.json';

interface Entry {
  name: string;
  summary: string;
  load: () => CommandModule;
}

const COMMANDS: Entry[] = [
  { name: 'estimate', summary: 'time, cost and $/image of a batch on every offer and on your local RTX 3060', load: () => require('./commands/estimate') },
  { name: 'offers', summary: 'GPU offers: live from providers with a key, else the bundled catalog', load: () => require('./commands/offers') },
  { name: 'run', summary: 'run a batch on a rented GPU (or local ComfyUI) and always tear the machine down', load: () => require('./commands/run') },
  { name: 'status', summary: 'sessions with their machines refreshed from the providers and the spend so far', load: () => require('./commands/status') },
  { name: 'resume', summary: 'finish what a session left: pull outputs, run remaining prompts', load: () => require('./commands/resume') },
  { name: 'down', summary: "tear down a session's machines", load: () => require('./commands/down') },
  { name: 'sweep', summary: 'find gpuburst machines no live session owns and terminate them', load: () => require('./commands/sweep') },
  { name: 'cache', summary: 'list or delete the model caches sessions keep models on (RunPod volumes, Lambda filesystems)', load: () => require('./commands/cache') },
  { name: 'workflow', summary: 'convert UI-format workflows to API format and validate them offline', load: () => require('./commands/workflow') },
  { name: 'sim', summary: 'start local simulators of the four cloud APIs and ComfyUI', load: () => require('./commands/sim') },
];

/** `outcome.exitCode` is set by the command that ran. */
export function buildProgram(ctx: CliContext, argv: string[], outcome: { exitCode: number } = { exitCode: 0 }): Command {
  const program = new Command('gpuburst')
    .description('Estimate, run and always tear down ComfyUI render sessions on rented cloud GPUs.')
    .version(version)
    .showSuggestionAfterError(true)
    .showHelpAfterError(`(commands: ${COMMANDS.map((c) => c.name).join(', ')}; gpuburst <command> --help lists its options)`)
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.stdout.write(s), writeErr: (s) => ctx.stderr.write(s) });

  const wanted = argv[2];
  // `--version` needs no command (it cost 0.33 s with all loaded, against 0.13 s for node itself); help and a mistyped
  // command list them all, with their arguments, so those load every module.
  let selected = COMMANDS.filter((c) => c.name === wanted);
  if (selected.length === 0 && wanted !== '-V' && wanted !== '--version') selected = COMMANDS;
  for (const entry of COMMANDS) {
    if (!selected.includes(entry)) {
      program.command(entry.name).description(entry.summary);
      continue;
    }
    let mod: CommandModule;
    try {
      mod = entry.load();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND' || selected.length === 1) throw err;
      continue; // a command still being built does not break help for the others
    }
    const cmd = program.command(entry.name).description(entry.summary).exitOverride();
    mod.define(cmd);
    cmd.action(async (...all: unknown[]) => {
      const command = all[all.length - 1] as Command;
      const args = all.slice(0, -2);
      const result = await mod.run(args, command.opts(), ctx);
      report(result, Boolean(command.opts().json), ctx);
      outcome.exitCode = result.exitCode ?? 0;
    });
  }
  return program;
}
