/** What a session reports as it goes; the CLI renders it (progress bar, log lines or JSON lines). */
import type { MachineState, PromptState } from './journal';

export type SessionEvent =
  | { type: 'session'; id: string; status: string; message?: string }
  | { type: 'machine'; name: string; provider: string; gpu: string; state: MachineState | 'booting' | 'placing-models'; id?: string; usdPerHour?: number; message?: string }
  | { type: 'prompt'; id: string; state: PromptState; machine?: string; reason?: string; files?: number }
  | { type: 'progress'; done: number; failed: number; total: number; spentUsd: number; projectedUsd: number; etaSeconds?: number }
  | { type: 'log'; level: 'info' | 'warn'; message: string };

export type Emit = (e: SessionEvent) => void;

/**
 * Dispatched on a session's abort signal when the user insists on leaving (a second Ctrl-C / SIGTERM) before
 * teardown has finished: the session records in its journal what is still up, synchronously, before the exit.
 */
export const LEAVE_EVENT = 'gpuburst-leave';
