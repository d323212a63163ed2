/**
 * Injectable faults shared by every simulator: the failures a real API shows and a client must survive.
 * A rule matches by method and path regex and fires `times` times (default once).
 */
export type Fault =
  /** Answer with this status (and body/headers) instead of handling the request: 429, 500, 503… */
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string>; contentType?: string }
  /** Wait before handling: a response slower than the client's timeout. */
  | { kind: 'delay'; ms: number }
  /** Drop the connection without handling the request. */
  | { kind: 'reset' }
  /** Handle the request (state changes happen), then drop the connection instead of answering. */
  | { kind: 'lose-response' };

export interface FaultRule {
  fault: Fault;
  method?: string;
  /** Regular expression source matched against the request path (without query). */
  path?: string;
  /** How many matching requests it applies to; -1 for all. */
  times?: number;
}

interface ActiveRule extends FaultRule {
  remaining: number;
  regex?: RegExp;
}

export class FaultQueue {
  private rules: ActiveRule[] = [];

  add(rule: FaultRule): void {
    this.rules.push({ ...rule, remaining: rule.times ?? 1, regex: rule.path ? new RegExp(rule.path) : undefined });
  }

  clear(): void {
    this.rules = [];
  }

  /** The fault for this request, consuming one use of the first matching rule. */
  take(method: string, path: string): Fault | undefined {
    const rule = this.rules.find(
      (r) => r.remaining !== 0 && (!r.method || r.method.toUpperCase() === method.toUpperCase()) && (!r.regex || r.regex.test(path)),
    );
    if (!rule) return undefined;
    if (rule.remaining > 0) rule.remaining--;
    this.rules = this.rules.filter((r) => r.remaining !== 0);
    return rule.fault;
  }

  pending(): FaultRule[] {
    return this.rules.map(({ fault, method, path, remaining }) => ({ fault, method, path, times: remaining }));
  }
}
