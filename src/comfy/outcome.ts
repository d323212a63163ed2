/** How a prompt ended, read from its history entry (reference §1.5: interrupts are `status_str: "error"`). */
import type { HistoryEntry } from './types';

export type PromptOutcome =
  | { kind: 'success'; entry: HistoryEntry; cachedNodes: string[]; renderMs?: number }
  | { kind: 'error' | 'interrupted'; entry?: HistoryEntry; reason: string }
  | { kind: 'vanished' | 'unreachable'; reason: string };

/**
 * Success, error or interrupt from a history entry (interrupts are `status_str: "error"` with a message, §1.5). The
 * entry's own messages give the cached nodes and the render time (`execution_start` → `execution_success`, both
 * stamped in ms by the server), so neither depends on having watched the prompt's websocket events.
 */
export function outcomeOf(entry: HistoryEntry, cachedNodes?: string[]): PromptOutcome {
  const messages = entry.status?.messages ?? [];
  if (entry.status?.completed !== false && entry.status?.status_str !== 'error') {
    const cached = messages.find(([type]) => type === 'execution_cached')?.[1]?.nodes;
    const nodes = cachedNodes?.length ? cachedNodes : Array.isArray(cached) ? cached.map(String) : [];
    return { kind: 'success', entry, cachedNodes: nodes, renderMs: renderMs(messages) };
  }
  const interrupted = messages.find(([type]) => type === 'execution_interrupted');
  if (interrupted) return { kind: 'interrupted', entry, reason: `interrupted at node ${interrupted[1].node_id} (${interrupted[1].node_type})` };
  const failed = messages.find(([type]) => type === 'execution_error')?.[1];
  if (!failed) return { kind: 'error', entry, reason: 'ComfyUI reported an error without details' };
  const text = String(failed.exception_message ?? '').trim().split('\n')[0];
  return { kind: 'error', entry, reason: `node ${failed.node_id} (${failed.node_type}) failed: ${failed.exception_type ?? 'error'}: ${text}` };
}

function renderMs(messages: [string, Record<string, unknown>][]): number | undefined {
  const at = (type: string) => Number(messages.find(([t]) => t === type)?.[1]?.timestamp);
  return elapsedMs(at('execution_start'), at('execution_success'));
}

/** Milliseconds between the server's start and end stamps; undefined when either is missing or they disagree. */
export function elapsedMs(start: number | undefined, end: number | undefined): number | undefined {
  const ms = Number(end) - Number(start);
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}
