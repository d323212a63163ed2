/**
 * Thin typed client of the Lambda Cloud API v1 (docs/reference/lambda.md §2–§7). Every success body is `{"data": ...}`; this file
 * unwraps it. Rate limits (1 request/s, 1 launch per 12 s, §7) are enforced client-side by the shared HttpClient.
 */
import { z } from 'zod';
import { HttpClient, HttpMethod, HttpRequest, RateRule } from '../http';
import { shapeCheck } from '../response';
import { translate } from './mapping';

/** What the adapter reads inside each `{"data": ...}` envelope (docs/reference/lambda.md §2–§4); other fields pass unchecked. */
const INSTANCE = z.looseObject({ id: z.string(), status: z.string() });
const NAMED = z.looseObject({ id: z.string(), name: z.string() });
const DATA = {
  types: z.record(z.string(), z.looseObject({ instance_type: z.looseObject({ price_cents_per_hour: z.number() }), regions_with_capacity_available: z.array(z.looseObject({ name: z.string() })) })),
  instances: z.array(INSTANCE),
  instance: INSTANCE,
  launch: z.looseObject({ instance_ids: z.array(z.string()) }),
  terminate: z.looseObject({}),
  named: NAMED,
  filesystem: z.looseObject({ id: z.string(), name: z.string(), mount_point: z.string(), region: z.looseObject({ name: z.string() }) }),
  filesystems: z.array(z.looseObject({ id: z.string(), name: z.string(), mount_point: z.string(), region: z.looseObject({ name: z.string() }) })),
  deleted: z.looseObject({ deleted_ids: z.array(z.string()) }),
  namedList: z.array(NAMED),
};

interface LambdaRegion {
  name: string;
  description: string;
}

interface LambdaInstanceType {
  name: string;
  description: string;
  gpu_description: string;
  price_cents_per_hour: number;
  specs: { vcpus: number; memory_gib: number; storage_gib: number; gpus: number };
}

export interface LambdaInstanceTypeItem {
  instance_type: LambdaInstanceType;
  regions_with_capacity_available: LambdaRegion[];
}

export interface LambdaTag {
  key: string;
  value: string;
}

export interface LambdaInstance {
  id: string;
  name?: string;
  /** Absent while booting (§4). */
  ip?: string;
  private_ip?: string;
  status: string;
  ssh_key_names: string[];
  region: LambdaRegion;
  instance_type: LambdaInstanceType;
  hostname?: string;
  tags?: LambdaTag[];
  firewall_rulesets?: { id: string }[];
}

export interface LambdaSshKey {
  id: string;
  name: string;
  public_key: string;
}

export interface LambdaFirewallRule {
  protocol: 'tcp' | 'udp' | 'icmp' | 'all';
  port_range?: [number, number];
  source_network: string;
  description: string;
}

export interface LambdaFirewallRuleset {
  id: string;
  name: string;
  region: LambdaRegion;
  rules: LambdaFirewallRule[];
  instance_ids: string[];
}

export interface LaunchRequest {
  region_name: string;
  instance_type_name: string;
  ssh_key_names: string[];
  name: string;
  tags: LambdaTag[];
  user_data: string;
  firewall_rulesets?: { id: string }[];
  image?: { family: string };
  /** Filesystems to mount, by name: same region as the launch, mounted at /lambda/nfs/<name> (§3). */
  file_system_names?: string[];
}

/** `Filesystem` (Lambda OpenAPI): region-locked, mounted at `mount_point`, `bytes_used` an estimate. */
export interface LambdaFilesystem {
  id: string;
  name: string;
  mount_point: string;
  is_in_use: boolean;
  region: LambdaRegion;
  bytes_used?: number;
}

export interface LambdaApiOptions {
  baseUrl: string;
  apiKey: string;
  timeoutMs?: number;
  /** Lambda's limit between any two requests (documented: 1 request/s). */
  minIntervalMs: number;
  /** Lambda's limit between launches (documented: 1 per 12 s). */
  launchIntervalMs: number;
  /** Retries of idempotent requests (SkyPilot makes 6 attempts on Lambda's 429s, docs/reference/lambda.md §7). */
  maxRetries: number;
  retryBaseDelayMs: number;
  log?: (line: string) => void;
}

const LAUNCH_PATH = '/instance-operations/launch';

export class LambdaApi {
  private readonly http: HttpClient;

  constructor(opts: LambdaApiOptions) {
    const anyMs = withMargin(opts.minIntervalMs);
    // HttpClient books each rule when it checks it, in order. The launch rule goes first, so the general rule is
    // booked after the long launch wait; the launch rule absorbs the general wait that may follow it.
    const rateRules: RateRule[] = [
      { name: 'lambda-launch', match: (m: HttpMethod, p: string) => m === 'POST' && p === LAUNCH_PATH, minIntervalMs: withMargin(opts.launchIntervalMs) + anyMs },
      { name: 'lambda-any', match: () => true, minIntervalMs: anyMs },
    ];
    this.http = new HttpClient({
      provider: 'lambda',
      baseUrl: opts.baseUrl,
      headers: { Authorization: `Bearer ${opts.apiKey}` },
      timeoutMs: opts.timeoutMs,
      maxRetries: opts.maxRetries,
      baseDelayMs: opts.retryBaseDelayMs,
      rateRules,
      translate,
      log: opts.log,
    });
  }

  instanceTypes(signal?: AbortSignal): Promise<Record<string, LambdaInstanceTypeItem>> {
    return this.data({ method: 'GET', path: '/instance-types', signal }, DATA.types);
  }

  listInstances(signal?: AbortSignal): Promise<LambdaInstance[]> {
    return this.data({ method: 'GET', path: '/instances', signal }, DATA.instances);
  }

  getInstance(id: string, signal?: AbortSignal): Promise<LambdaInstance> {
    return this.data({ method: 'GET', path: `/instances/${encodeURIComponent(id)}`, signal }, DATA.instance);
  }

  /** Sent once: a lost answer may still have launched a paid instance (see create-once). */
  launch(body: LaunchRequest, signal?: AbortSignal): Promise<{ instance_ids: string[] }> {
    return this.data({ method: 'POST', path: LAUNCH_PATH, body, retry: false, signal }, DATA.launch, true);
  }

  /** Terminating twice is harmless, so this one may be retried. */
  terminate(ids: string[], signal?: AbortSignal): Promise<{ terminated_instances: LambdaInstance[] }> {
    return this.data({ method: 'POST', path: '/instance-operations/terminate', body: { instance_ids: ids }, retry: true, signal }, DATA.terminate);
  }

  listSshKeys(signal?: AbortSignal): Promise<LambdaSshKey[]> {
    return this.data({ method: 'GET', path: '/ssh-keys', signal }, DATA.namedList);
  }

  /**
   * Without `publicKey` Lambda generates a pair and returns the private key once; the caller drops it. Retried: a
   * repeat can only fail with "name must be unique", which the caller resolves by listing.
   */
  addSshKey(name: string, publicKey?: string, signal?: AbortSignal): Promise<LambdaSshKey> {
    const body = publicKey ? { name, public_key: publicKey } : { name };
    return this.data({ method: 'POST', path: '/ssh-keys', body, retry: true, signal }, DATA.named);
  }

  listFirewallRulesets(signal?: AbortSignal): Promise<LambdaFirewallRuleset[]> {
    return this.data({ method: 'GET', path: '/firewall-rulesets', signal }, DATA.namedList);
  }

  createFirewallRuleset(body: { name: string; region: string; rules: LambdaFirewallRule[] }, signal?: AbortSignal): Promise<LambdaFirewallRuleset> {
    // Retried: at worst a repeat leaves a second, unused ruleset of the same name (no cost; sweep removes it).
    return this.data({ method: 'POST', path: '/firewall-rulesets', body, retry: true, signal }, DATA.named);
  }

  /** Lambda lists filesystems at `/file-systems` and creates and deletes them at `/filesystems` (its OpenAPI). */
  listFilesystems(signal?: AbortSignal): Promise<LambdaFilesystem[]> {
    return this.data({ method: 'GET', path: '/file-systems', signal }, DATA.filesystems);
  }

  /** Sent once; names are unique per account, so a repeat could only fail as a duplicate: the caller looks it up. */
  createFilesystem(body: { name: string; region: string }, signal?: AbortSignal): Promise<LambdaFilesystem> {
    return this.data({ method: 'POST', path: '/filesystems', body, retry: false, signal }, DATA.filesystem, true);
  }

  deleteFilesystem(id: string, signal?: AbortSignal): Promise<{ deleted_ids: string[] }> {
    return this.data({ method: 'DELETE', path: `/filesystems/${encodeURIComponent(id)}`, signal }, DATA.deleted);
  }

  /**
   * Every success body is `{"data": ...}`. Without that envelope the answer is most likely an edge proxy's page, not
   * Lambda's API: a typed error, transient for a page (retried) or for a launch (create-once looks it up by name).
   */
  private async data<T>(req: HttpRequest, schema: z.ZodType, create = false): Promise<T> {
    const check = shapeCheck(z.looseObject({ data: schema }), { provider: 'lambda', method: req.method, path: req.path, urlVar: 'GPUBURST_LAMBDA_API_URL', create });
    const res = await this.http.request<{ data: T }>({ ...req, check });
    return res.data.data;
  }
}

/** Lambda counts arrivals, we count departures: space requests 10% wider than the limit so jitter stays under it. */
function withMargin(limitMs: number): number {
  return Math.ceil(limitMs * 1.1);
}
