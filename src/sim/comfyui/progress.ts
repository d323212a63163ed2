/**
 * The websocket side of one running prompt, as ComfyUI's progress registry and hooks send it: `progress_state`
 * carries every node that started (in prompt order, the registry is filled with the whole prompt up front),
 * and a progress-bar update is progress_state, then `progress`, then the preview image if any (reference §2.3–2.5).
 * These frames go to the prompt's client, or to everyone when it has none (§2.2 quirk).
 */
import type { Hub } from './hub';

export class PromptProgress {
  private readonly states: Record<string, Record<string, unknown>> = {};
  private readonly order: string[];

  constructor(
    private readonly hub: Hub,
    private readonly promptId: string,
    nodeIds: string[],
    private readonly clientId: string | null,
  ) {
    this.order = nodeIds;
  }

  state(id: string, value: number, max: number, state: 'running' | 'finished'): void {
    this.states[id] = { value, max, state, node_id: id, prompt_id: this.promptId, display_node_id: id, parent_node_id: null, real_node_id: id };
    const nodes = Object.fromEntries(this.order.filter((n) => this.states[n]).map((n) => [n, this.states[n]]));
    this.hub.send('progress_state', { prompt_id: this.promptId, nodes }, this.clientId);
  }

  step(id: string, value: number, max: number, preview?: Buffer): void {
    this.state(id, value, max, 'running');
    this.hub.send('progress', { value, max, prompt_id: this.promptId, node: id }, this.clientId);
    if (preview) this.hub.sendImage(preview, 'image/png', { node_id: id, prompt_id: this.promptId, display_node_id: id, parent_node_id: null, real_node_id: id }, this.clientId);
  }
}
