/**
 * Firewall rulesets (docs/reference/lambda.md §5): region-scoped lists of inbound rules, attached to instances at launch, plus the
 * account's global rules. The simulated account starts with what the reference takes as Lambda's default
 * (22/tcp and ICMP from anywhere), so ComfyUI's port is closed until a ruleset opens it.
 */
import crypto from 'crypto';
import { regionByName, SimRegion } from './catalog';
import { checkLambdaRequest } from './launch-request';
import { invalidParameters, rulesetInUse, rulesetNotFound } from './errors';
import { parseCidr, SimFirewallRule } from './network';

export interface SimRuleset {
  id: string;
  name: string;
  region: SimRegion;
  rules: SimFirewallRule[];
  created: string;
}


export class FirewallStore {
  readonly globalRules: SimFirewallRule[] = [
    { protocol: 'tcp', port_range: [22, 22], source_network: '0.0.0.0/0', description: 'Allow SSH from anywhere' },
    { protocol: 'icmp', source_network: '0.0.0.0/0', description: 'Allow ICMP from anywhere' },
  ];
  private readonly rulesets = new Map<string, SimRuleset>();

  /** `instanceIds(rulesetId)`: live instances the ruleset is attached to. */
  constructor(private readonly instanceIds: (rulesetId: string) => string[]) {}

  create(body: Record<string, unknown>): SimRuleset {
    checkLambdaRequest('createFirewallRuleset', body);
    const { name, region, rules } = body as { name: string; region: string; rules: unknown };
    const r = regionByName(region);
    if (!r) throw invalidParameters(`Region ${region} does not exist.`);
    const ruleset: SimRuleset = { id: crypto.randomBytes(16).toString('hex'), name, region: r, rules: parseRules(rules), created: new Date().toISOString() };
    this.rulesets.set(ruleset.id, ruleset);
    return ruleset;
  }

  get(id: string): SimRuleset {
    const rs = this.rulesets.get(id);
    if (!rs) throw rulesetNotFound();
    return rs;
  }

  find(id: string): SimRuleset | undefined {
    return this.rulesets.get(id);
  }

  list(): SimRuleset[] {
    return [...this.rulesets.values()];
  }

  delete(id: string): void {
    this.get(id);
    if (this.instanceIds(id).length > 0) throw rulesetInUse();
    this.rulesets.delete(id);
  }

  /** Rules that apply to an instance: the global ones plus those of its attached rulesets. */
  rulesFor(rulesetIds: string[]): SimFirewallRule[] {
    return [...this.globalRules, ...rulesetIds.flatMap((id) => this.rulesets.get(id)?.rules ?? [])];
  }

  json(rs: SimRuleset): Record<string, unknown> {
    return { id: rs.id, name: rs.name, region: rs.region, rules: rs.rules, created: rs.created, instance_ids: this.instanceIds(rs.id) };
  }
}

/**
 * FirewallRule beyond its schema (docs/reference/lambda.md §5): the network must parse as IPv4 CIDR, and port_range is required
 * except for icmp, where it is not allowed. Types, enums and lengths are the schema's (checked on create).
 */
function parseRules(value: unknown): SimFirewallRule[] {
  if (!Array.isArray(value)) throw invalidParameters('rules: must be a list of firewall rules.');
  return value.map((raw, i) => {
    const rule = raw as SimFirewallRule;
    const where = `rules[${i}]`;
    if (!parseCidr(rule.source_network)) throw invalidParameters(`${where}.source_network: must be an IPv4 network in CIDR notation.`);
    const out: SimFirewallRule = { protocol: rule.protocol, source_network: rule.source_network, description: rule.description };
    if (rule.protocol === 'icmp') {
      if (rule.port_range !== undefined) throw invalidParameters(`${where}.port_range: not allowed for icmp.`);
      return out;
    }
    const range = rule.port_range;
    if (!range || range[0] > range[1]) throw invalidParameters(`${where}.port_range: must be [min, max] with 1 <= min <= max <= 65535.`);
    out.port_range = [range[0], range[1]];
    return out;
  });
}
