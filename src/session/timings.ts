/** How long a session waits and how often it looks. Real clouds need minutes; simulators and tests shorten them. */
export interface SessionTimings {
  /** Provider boot + image pull + ComfyUI start (RunPod's ComfyUI tutorial: "up to 30 minutes"). */
  readyTimeoutSeconds: number;
  /** Model downloads on the machine. */
  modelsTimeoutSeconds: number;
  /** Status polls while waiting. */
  pollSeconds: number;
  /** Client heartbeat to the machine agent. */
  heartbeatMs: number;
  /** The agent's own check interval. */
  agentPollSeconds: number;
  /** How long teardown retries until the provider confirms a terminate/stop. */
  confirmSeconds: number;
}

export const DEFAULT_TIMINGS: SessionTimings = {
  readyTimeoutSeconds: 45 * 60,
  modelsTimeoutSeconds: 60 * 60,
  pollSeconds: 5,
  heartbeatMs: 60_000,
  agentPollSeconds: 30,
  confirmSeconds: 180,
};
