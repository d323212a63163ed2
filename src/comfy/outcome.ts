/** How a prompt ended, read from its history entry (reference §1.5: interrupts are `status_str: "error"`). */
import type { HistoryEntry } from './types';

export type PromptOutcome =
  | { kind: 'success'; entry: HistoryEntry; cachedNodes: string[] }
  | { kind: 'error' | 'interrupted'; entry?: HistoryEntry; reason: string }
  | { kind: 'vanished' | 'unreachable'; reason: string };

/** Success, error or interrupt from a history entry (interrupts are `status_str: "error"` with a message, §1.5). */
export function outcomeOf(entry: HistoryEntry, cachedNodes: string[] = []): PromptOutcome {
  const messages = entry.status?.messages ?? [];
  if (entry.status?.completed !== false && entry.status?.status_str !== 'error') return { kind: 'success', entry, cachedNodes };
  const interrupted = messages.find(([type]) => type === 'execution_interrupted');
  if (interrupted) return { kind: 'interrupted', entry, reason: `interrupted at node ${interrupted[1].node_id} (${interrupted[1].node_type})` };
  const failed = messages.find(([type]) => type === 'execution_error')?.[1];
  if (!failed) return { kind: 'error', entry, reason: 'ComfyUI reported an error without details' };
  const text = String(failed.exception_message ?? '').trim().split('\n')[0];
  return { kind: 'error', entry, reason: `node ${failed.node_id} (${failed.node_type}) failed: ${failed.exception_type ?? 'error'}: ${text}` };
}
