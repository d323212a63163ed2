import { BadInputError } from '../../providers/errors';

/** How long a session waits and how often it looks. Real clouds need minutes; simulators and tests shorten them. */
export interface SessionTimings {
  /** Provider boot + image pull + ComfyUI start (RunPod's ComfyUI tutorial: "up to 30 minutes"). */
  readyTimeoutSeconds: number;
  /** Model downloads on the machine: the longest wait without progress (bytes, a model or node pack done). */
  modelsTimeoutSeconds: number;
  /** Status polls while waiting. */
  pollSeconds: number;
  /** Client heartbeat to the machine agent. */
  heartbeatMs: number;
  /** The agent's own check interval. */
  agentPollSeconds: number;
  /** How long teardown retries until the provider confirms a terminate/stop. */
  confirmSeconds: number;
  /** Rendering with no prompt ending (done or failed) for this long is a stall: pull what exists, end the session. */
  stallSeconds: number;
}

export const DEFAULT_TIMINGS: SessionTimings = {
  readyTimeoutSeconds: 45 * 60,
  // Not a total: a 40 GB model on a 100 Mbit/s host takes most of an hour and is fine while bytes keep coming.
  modelsTimeoutSeconds: 30 * 60,
  pollSeconds: 5,
  heartbeatMs: 60_000,
  agentPollSeconds: 30,
  confirmSeconds: 180,
  // Longer than any one prompt we expect (a FLUX-dev 1024² image on a slow GPU is minutes, not twenty).
  stallSeconds: 20 * 60,
};

/** A simulated world answers in milliseconds; waiting like for a real cloud would only slow a simulated run down. @public (bench/ reads it from dist/). */
export const SIMULATED_TIMINGS: Partial<SessionTimings> = { readyTimeoutSeconds: 120, modelsTimeoutSeconds: 120, pollSeconds: 0.25, heartbeatMs: 1000, agentPollSeconds: 1, confirmSeconds: 30, stallSeconds: 120 };

/**
 * A session's timings, merged once: the defaults, the simulated preset for a simulated run, then
 * `GPUBURST_SESSION_TIMINGS` (an explicit setting beats the preset), then the caller's overrides (tests, stack config).
 */
export function sessionTimings(o: { env: NodeJS.ProcessEnv; simulated?: boolean; overrides?: Partial<SessionTimings> }): SessionTimings {
  return { ...DEFAULT_TIMINGS, ...(o.simulated ? SIMULATED_TIMINGS : {}), ...timingsFromEnv(o.env), ...o.overrides };
}

/**
 * `GPUBURST_SESSION_TIMINGS` (JSON, e.g. `{"pollSeconds":0.1}`): shorter waits for a CLI pointed at simulators
 * (the fault matrix kills and resumes real `gpuburst` processes). Unknown names or non-positive numbers are refused.
 */
function timingsFromEnv(env: NodeJS.ProcessEnv): Partial<SessionTimings> {
  const raw = env.GPUBURST_SESSION_TIMINGS?.trim();
  if (!raw) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new BadInputError('GPUBURST_SESSION_TIMINGS: not JSON; accepted: a JSON object such as {"pollSeconds":0.1}');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new BadInputError(`GPUBURST_SESSION_TIMINGS: ${raw.slice(0, 40)} is not accepted; accepted: a JSON object such as {"pollSeconds":0.1}`);
  const out: Partial<SessionTimings> = {};
  for (const [k, v] of Object.entries(parsed)) {
    if (!(k in DEFAULT_TIMINGS)) throw new BadInputError(`GPUBURST_SESSION_TIMINGS: unknown timing "${k}"; accepted: ${Object.keys(DEFAULT_TIMINGS).join(', ')}`);
    // 1e999 parses as Infinity: a wait that never ends is not a timing.
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new BadInputError(`GPUBURST_SESSION_TIMINGS: ${k} must be a positive number`);
    out[k as keyof SessionTimings] = v;
  }
  return out;
}

/**
 * The client beats and the agent looks at least four times per watchdog window, whatever the configured
 * intervals: a window shorter than the beat interval would let the agent end a healthy session.
 */
export function watchdogCadence(t: SessionTimings, heartbeatMinutes: number): { heartbeatMs: number; agentPollSeconds: number } {
  const windowMs = heartbeatMinutes * 60_000;
  return { heartbeatMs: Math.min(t.heartbeatMs, windowMs / 4), agentPollSeconds: Math.min(t.agentPollSeconds, windowMs / 4000) };
}

/** The agent's lifetime cap: 3 × the estimated session, at least 1 h, at most 48 h (the provider's timer uses it too). */
export function maxLifetimeMinutes(estimateSeconds: number): number {
  return Math.min(48 * 60, Math.max(60, (3 * estimateSeconds) / 60));
}
