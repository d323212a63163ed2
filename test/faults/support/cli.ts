/**
 * The real `gpuburst` CLI as a child process (the built dist/), pointed at a world running in the test process:
 * its JSON events as they come, a way to wait for one, and its exit.
 */
import { ChildProcess, spawn } from 'child_process';
import path from 'path';
import { ROOT } from '../../stacks/support/build';

const CLI = path.join(ROOT, 'dist', 'src', 'cli', 'index.js');

type CliEvent = Record<string, unknown> & { type: string };

export interface CliRun {
  child: ChildProcess;
  events: CliEvent[];
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first event (past or future) the predicate accepts; rejects when the CLI exits first. */
  waitFor(pred: (e: CliEvent) => boolean, what: string): Promise<CliEvent>;
}

export function startCli(args: string[], o: { cwd: string; env: NodeJS.ProcessEnv }): CliRun {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: o.cwd, env: o.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const events: CliEvent[] = [];
  const waiters: { pred: (e: CliEvent) => boolean; resolve: (e: CliEvent) => void }[] = [];
  let err = '';
  let rest = '';
  child.stdout!.on('data', (d: Buffer) => {
    rest += d.toString('utf8');
    const lines = rest.split('\n');
    rest = lines.pop()!;
    for (const line of lines.filter((l) => l.trim())) {
      let e: CliEvent;
      try {
        e = JSON.parse(line) as CliEvent;
      } catch {
        e = { type: 'text', line };
      }
      events.push(e);
      for (const w of waiters.filter((x) => x.pred(e))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(e);
      }
    }
  });
  child.stderr!.on('data', (d: Buffer) => (err += d.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    child,
    events,
    stderr: () => err,
    exited,
    waitFor(pred, what) {
      const seen = events.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ pred, resolve });
        void exited.then(({ code, signal }) => reject(new Error(`the CLI ended (${code ?? signal}) before ${what}; stderr:\n${err.slice(-2000)}`)));
      });
    },
  };
}

/** Waits for the CLI's exit, killing it (and failing) if it takes longer than `ms`. */
export async function exitWithin(run: CliRun, ms: number, what: string): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ms)));
  const outcome = await Promise.race([run.exited, late]);
  clearTimeout(timer);
  if (outcome === 'late') {
    run.child.kill('SIGKILL');
    throw new Error(`${what}: the CLI did not exit within ${ms} ms; stderr:\n${run.stderr().slice(-2000)}`);
  }
  return outcome;
}

export const sessionIdOf = (run: CliRun) => run.events.find((e) => e.type === 'session' && typeof e.id === 'string')?.id as string | undefined;
