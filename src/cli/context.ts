/** What a command gets besides its options: where to write, the environment, and how it was started. */
export interface CliContext {
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Progress and log lines (stderr), already redacted by the caller of `log`. */
  log: (line: string) => void;
  /** True when stdout is a terminal (progress bars, colours). */
  isTTY: boolean;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** A command returns data; rendering it is the only thing that writes to stdout. */
export interface CommandResult {
  /** Printed as JSON with --json. */
  data: unknown;
  /** Human rendering; omitted when the command streamed its own output. */
  text?: () => string;
  exitCode?: number;
  /** With --json, print `data` as one line (commands that stream JSON events before it). */
  jsonLine?: boolean;
}

export interface CommandModule {
  /** Declares arguments and options on the commander command. */
  define(cmd: import('commander').Command): void;
  run(args: unknown[], opts: Record<string, unknown>, ctx: CliContext): Promise<CommandResult>;
}
