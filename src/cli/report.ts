/** The only place command results reach stdout. */
import type { CliContext, CommandResult } from './context';

export function report(result: CommandResult, json: boolean, ctx: CliContext): void {
  if (json) ctx.stdout.write(JSON.stringify(result.data, null, result.jsonLine ? undefined : 2) + '\n');
  else if (result.text) ctx.stdout.write(result.text().replace(/\n?$/, '\n'));
}
