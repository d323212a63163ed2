/**
 * Lambda-specific, and a file of its own because no other provider has it: what a launch needs to exist beforehand,
 * besides the instance itself (docs/reference/lambda.md §3, §5):
 * - exactly one account SSH key by name: found, or created once (Lambda generates the pair when we send no public
 *   key; the private key it returns once is dropped: gpuburst reaches the VM over HTTP, not SSH);
 * - a firewall ruleset (per region, reused by name) that opens ComfyUI's port, because the default inbound policy
 *   is taken to be 22/tcp + ICMP only. Rulesets attach only at launch. us-south-1 has no firewall control.
 */
import crypto from 'crypto';
import { GpuburstError } from '../errors';
import type { LambdaApi, LambdaFirewallRule } from './api';

export interface PrerequisiteOptions {
  sshKeyName: string;
  /** Register this OpenSSH public key instead of letting Lambda generate one (for users who want SSH access). */
  sshPublicKey?: string;
  comfyPort: number;
  /** Source networks allowed to reach ComfyUI; the image's token proxy still gates every request. */
  allowCidrs: string[];
  /** Regions where firewall rules do not apply. */
  noFirewallRegions: Set<string>;
}

export class Prerequisites {
  private sshKey?: Promise<string>;
  private readonly rulesets = new Map<string, Promise<string>>();

  constructor(private readonly api: LambdaApi, private readonly opts: PrerequisiteOptions) {}

  /** The one SSH key name a launch must carry. */
  sshKeyName(signal?: AbortSignal): Promise<string> {
    this.sshKey ??= this.findOrAddKey(signal).catch((err) => {
      this.sshKey = undefined;
      throw err;
    });
    return this.sshKey;
  }

  /** Rulesets to attach at launch; none where the firewall does not apply. */
  async firewallRulesets(region: string, signal?: AbortSignal): Promise<{ id: string }[] | undefined> {
    if (this.opts.noFirewallRegions.has(region)) return undefined;
    let id = this.rulesets.get(region);
    if (!id) {
      id = this.findOrCreateRuleset(region, signal);
      this.rulesets.set(region, id);
      id.catch(() => this.rulesets.delete(region));
    }
    return [{ id: await id }];
  }

  rulesetName(region: string): string {
    const digest = crypto.createHash('sha256').update(JSON.stringify(this.rules())).digest('hex').slice(0, 6);
    return `gpuburst-comfyui-${region}-${digest}`;
  }

  rules(): LambdaFirewallRule[] {
    const port = this.opts.comfyPort;
    return this.opts.allowCidrs.map((cidr) => ({
      protocol: 'tcp',
      port_range: [port, port],
      source_network: cidr,
      description: `gpuburst: ComfyUI behind its token proxy, port ${port}`,
    }));
  }

  private async findOrAddKey(signal?: AbortSignal): Promise<string> {
    const name = this.opts.sshKeyName;
    const existing = async () => (await this.api.listSshKeys(signal)).find((k) => k.name === name);
    if (await existing()) return name;
    try {
      await this.api.addSshKey(name, this.opts.sshPublicKey, signal);
    } catch (err) {
      // Another gpuburst process may have added it a moment ago ("name must be unique", docs/reference/lambda.md §3).
      if (!(err instanceof GpuburstError) || !(await existing())) throw err;
    }
    return name;
  }

  private async findOrCreateRuleset(region: string, signal?: AbortSignal): Promise<string> {
    const name = this.rulesetName(region);
    const found = (await this.api.listFirewallRulesets(signal)).find((r) => r.name === name && r.region?.name === region);
    if (found) return found.id;
    const created = await this.api.createFirewallRuleset({ name, region, rules: this.rules() }, signal);
    return created.id;
  }
}
