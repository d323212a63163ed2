/**
 * What the websocket told us about one prompt (reference §2.3, §2.4), kept per prompt whether it is watched yet or
 * not: the tracker (./tracker) decides what each change means for the watch.
 */
import type { WsMessage } from './types';

export interface Seen {
  running: boolean;
  ended: boolean;
  cachedNodes: string[];
  /** Connection that carried `execution_start`; outputs count only if the same one carried the end. */
  startEpoch?: number;
  outputs: Record<string, Record<string, unknown>>;
  /** `execution_success` arrived on the connection that carried the start: `outputs` is complete. */
  complete: boolean;
  /** The server's stamps (ms) on `execution_start` and the end event: the render time. */
  startStamp?: number;
  endStamp?: number;
}

/** What one message changed: the prompt runs, made progress, ended (`executing` null), or sent its end event. */
export type Change = 'running' | 'progress' | 'done' | 'end-event' | undefined;

export function fresh(): Seen {
  return { running: false, ended: false, cachedNodes: [], outputs: {}, complete: false };
}

/** Applies one message of the prompt to `s`; `epoch` numbers the connection it came on. */
export function record(s: Seen, m: WsMessage, epoch: number): Change {
  switch (m.type) {
    case 'execution_start':
      s.startEpoch = epoch;
      s.startStamp = Number(m.data.timestamp);
      s.running = true;
      return 'running';
    case 'execution_cached':
      s.cachedNodes = Array.isArray(m.data.nodes) ? m.data.nodes.map(String) : [];
      return undefined;
    case 'executed':
      if (s.startEpoch === epoch && m.data.output && typeof m.data.output === 'object') s.outputs[String(m.data.node)] = m.data.output as Record<string, unknown>;
      return undefined;
    case 'executing':
      if (m.data.node == null) {
        s.ended = true;
        return 'done';
      }
      s.running = true;
      return 'running';
    case 'progress':
      s.running = true;
      return 'progress';
    case 'execution_success':
    case 'execution_error':
    case 'execution_interrupted':
      s.complete = m.type === 'execution_success' && s.startEpoch === epoch;
      s.endStamp = Number(m.data.timestamp);
      s.ended = true;
      return 'end-event';
  }
  return undefined;
}

/** Frame types that move a prompt on; `progress` only while someone listens (20 frames a prompt at 20 steps). */
const TRACKED = new Set(['execution_start', 'execution_cached', 'executed', 'execution_success', 'execution_error', 'execution_interrupted']);

/**
 * Whether a frame is worth parsing, from its type and raw bytes. `executing` comes once per node; only `node: null`
 * (the end) matters, `execution_start` already said "running". That test is written for json.dumps and
 * JSON.stringify; another spelling is missed here and the end is still seen through the end event's fallback timer.
 */
export function worthParsing(type: string, frame: Buffer, wantProgress: boolean): boolean {
  if (type === 'executing') return frame.includes('"node": null') || frame.includes('"node":null');
  return TRACKED.has(type) || (type === 'progress' && wantProgress);
}
