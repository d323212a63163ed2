// A test engine for Pulumi programs: the program runs under pulumi.runtime.setMocks, and every dynamic resource
// it registers is checked and created by its serialized provider code (the `__provider` input), loaded the way
// the dynamic-provider host loads it (./host.ts). State is kept like Pulumi's; destroy and refresh run the code
// stored in state. See README.md for what it does not do.
import * as pulumi from '@pulumi/pulumi';
import { randomBytes } from 'crypto';
import { DynamicHost, HostError, overTheWire } from './host';
import { useOneRealmForFunctions } from './realm';
import { annotateSecrets, forProvider, markSecret, Props, secretNames } from './secrets';
import { dumpState, EngineFailure, EngineRunError, isDynamic, ResourceState } from './state';
import { hookMonitor, Program, RegisterRequest, runProgram } from './program';

export { EngineRunError } from './state';
export type { EngineFailure, ResourceState } from './state';

export interface StackResult {
  /** Stack outputs with secrets unwrapped. */
  outputs: Props;
  secretOutputNames: string[];
  /** Resources registered by this run (for preview: what would be created). */
  resources: ResourceState[];
}

export interface EngineOptions {
  project?: string;
  stack?: string;
  /** Stack config; keys without a namespace get the project's, as in Pulumi.<stack>.yaml. */
  config?: Record<string, string>;
  /** Config keys set with `pulumi config set --secret`. */
  secretKeys?: string[];
}

const stackType = 'pulumi:pulumi:Stack';
// Host answers are objects of Node's main context; the SDK in the test context needs its own (Array checks).
const local = (v: Props): Props => JSON.parse(JSON.stringify(v)) as Props;
const messageOf = (e: unknown): string => String((e as Error)?.message ?? e);

export class TestEngine {
  readonly project: string;
  readonly stack: string;
  /** The state table, in the order resources were created (destroy runs it backwards). */
  readonly resources: ResourceState[] = [];
  /** Program log lines (warnings, errors) and what the provider host printed on stderr. */
  readonly diagnostics: { severity: string; message: string }[] = [];
  private readonly config: Record<string, string> = {};
  private readonly secretKeys: string[];
  private readonly stateKey = randomBytes(32);

  constructor(options: EngineOptions = {}) {
    useOneRealmForFunctions();
    this.project = options.project ?? 'gpuburst';
    this.stack = options.stack ?? 'test';
    const fullKey = (key: string) => (key.includes(':') ? key : `${this.project}:${key}`);
    for (const [key, value] of Object.entries(options.config ?? {})) this.config[fullKey(key)] = value;
    this.secretKeys = (options.secretKeys ?? []).map(fullKey);
  }

  /** `pulumi up` on an empty state. Throws EngineRunError after everything settled if any step failed. */
  async up(program: Program): Promise<StackResult> {
    if (this.resources.length > 0) throw new Error('TestEngine runs up once, on an empty state (no updates)');
    return this.run(program, false);
  }

  /** `pulumi preview`: checks run, nothing is created, state is untouched. */
  preview(program: Program): Promise<StackResult> {
    return this.run(program, true);
  }

  private run(program: Program, preview: boolean): Promise<StackResult> {
    const table: ResourceState[] = preview ? [] : this.resources;
    const failures: EngineFailure[] = [];
    const host = new DynamicHost(this.config, this.project); // one plugin process per operation
    const create = (req: RegisterRequest) => this.register(req, host, preview, table, failures);
    return withLocalStorage(async () => {
      const mocks: pulumi.runtime.Mocks = {
        newResource: () => ({ id: undefined, state: {} }), // replaced by hookMonitor
        call: (args) => Promise.reject(new Error(`the test engine has no invoke ${args.token}`)),
      };
      await pulumi.runtime.setMocks(mocks, this.project, this.stack, preview);
      hookMonitor(create, (urn, outputs) => this.recordOutputs(table, urn, outputs), this.diagnostics);
      pulumi.runtime.setAllConfig(this.config, this.secretKeys);
      const programErrors = await runProgram(program, this.diagnostics);
      failures.push(...programErrors.map((message) => ({ op: 'program' as const, message })));
      this.diagnostics.push(...host.stderr.map((message) => ({ severity: 'stderr', message })));
      const stackOutputs = table.find((r) => r.type === stackType)?.outputs ?? {};
      if (failures.length > 0) throw new EngineRunError(failures);
      const outputs = forProvider(stackOutputs) as Props;
      return { outputs, secretOutputNames: secretNames(stackOutputs), resources: table };
    });
  }

  // The engine's side of RegisterResource: check and create dynamic resources, record everything else.
  private async register(req: RegisterRequest, host: DynamicHost, preview: boolean, table: ResourceState[],
    failures: EngineFailure[]): Promise<{ id?: string; state: Props }> {
    const record: ResourceState = { ...req, inputs: req.object, outputs: {} };
    delete (record as Partial<RegisterRequest>).object;
    const secretOutputs = req.additionalSecretOutputs;
    if (!isDynamic(req.type) || preview) {
      if (isDynamic(req.type)) record.inputs = await this.check(host, req, failures);
      record.id = req.custom && !preview ? `${req.name}_id` : undefined;
      record.outputs = markSecret({ ...record.inputs }, secretOutputs);
      table.push(record);
      return { id: record.id, state: record.outputs };
    }
    record.inputs = await this.check(host, req, failures);
    try {
      const { id, outs } = await host.create(overTheWire(forProvider(record.inputs) as Props));
      if (!id) throw new HostError(`plugin returned empty resource.ID from create '${req.urn}'`);
      record.id = id;
      record.outputs = markSecret(annotateSecrets(local(outs), record.inputs), secretOutputs);
      table.push(record);
      return { id, state: record.outputs };
    } catch (e) {
      const initFailed = e instanceof HostError ? e.initFailed : undefined;
      if (initFailed) {
        // Created but not initialized: the engine keeps it (id and the error's properties) so destroy can delete it.
        record.id = initFailed.id;
        record.outputs = markSecret(annotateSecrets(local(initFailed.properties), record.inputs), secretOutputs);
        record.initErrors = initFailed.reasons;
        table.push(record);
      }
      failures.push({ op: 'create', urn: req.urn, id: initFailed?.id, message: messageOf(e) });
      throw e;
    }
  }

  private async check(host: DynamicHost, req: RegisterRequest, failures: EngineFailure[]): Promise<Props> {
    try {
      const { inputs, failures: invalid } = await host.check({}, overTheWire(forProvider(req.object) as Props));
      if (invalid.length > 0) throw new HostError(invalid.map((f) => `${f.property}: ${f.reason}`).join('; '));
      return annotateSecrets(local(inputs), req.object);
    } catch (e) {
      failures.push({ op: 'check', urn: req.urn, message: messageOf(e) });
      throw e;
    }
  }

  private recordOutputs(table: ResourceState[], urn: string, outputs: Props): void {
    const record = table.find((r) => r.urn === urn);
    if (record) record.outputs = outputs;
  }

  /** `pulumi destroy`: deletes in reverse creation order with the provider code stored in each resource's outputs. */
  async destroy(options: { continueOnError?: boolean } = {}): Promise<void> {
    const host = new DynamicHost(this.config, this.project);
    const failures: EngineFailure[] = [];
    for (const resource of [...this.resources].reverse()) {
      if (failures.length > 0 && !options.continueOnError) break;
      const needed = this.resources.some((r) => r.parent === resource.urn || r.dependencies.includes(resource.urn));
      if (needed) continue; // a dependent failed to delete, so this one must stay
      if (isDynamic(resource.type) && resource.id) {
        try {
          await host.delete(resource.id, overTheWire(forProvider(resource.outputs) as Props));
        } catch (e) {
          failures.push({ op: 'delete', urn: resource.urn, id: resource.id, message: messageOf(e) });
          continue;
        }
      }
      this.resources.splice(this.resources.indexOf(resource), 1);
    }
    this.diagnostics.push(...host.stderr.map((message) => ({ severity: 'stderr', message })));
    if (failures.length > 0) throw new EngineRunError(failures);
  }

  /** `pulumi refresh`: each dynamic resource's stored code reads it; an empty id drops it from state. */
  async refresh(): Promise<void> {
    const host = new DynamicHost(this.config, this.project);
    const failures: EngineFailure[] = [];
    for (const resource of this.resources.filter((r) => isDynamic(r.type) && r.id)) {
      try {
        const result = await host.read(resource.id as string, overTheWire(forProvider(resource.outputs) as Props));
        if (!result.id) {
          this.resources.splice(this.resources.indexOf(resource), 1);
          continue;
        }
        resource.id = result.id;
        const outputs = annotateSecrets(local(result.outs), resource.outputs);
        resource.outputs = markSecret(outputs, resource.additionalSecretOutputs);
        if (result.inputs) resource.inputs = annotateSecrets(local(result.inputs), resource.inputs);
      } catch (e) {
        failures.push({ op: 'read', urn: resource.urn, id: resource.id, message: messageOf(e) });
        break;
      }
    }
    this.diagnostics.push(...host.stderr.map((message) => ({ severity: 'stderr', message })));
    if (failures.length > 0) throw new EngineRunError(failures);
  }

  /** The state file as Pulumi would write it (checkpoint shape), secrets encrypted: search it for leaks. */
  dumpState(): string {
    return dumpState(this.resources, this.stateKey);
  }

  /** A resource by name (and type, when names repeat). */
  resource(name: string, type?: string): ResourceState | undefined {
    return this.resources.find((r) => r.name === name && (type === undefined || r.type === type));
  }
}

// Runs `callback` with a fresh Pulumi runtime store (settings, config, stack resource), as the Automation API
// does for inline programs, so engines in one test file do not share mocks or config.
function withLocalStorage<T>(callback: () => Promise<T>): Promise<T> {
  const state = require('@pulumi/pulumi/runtime/state') as { withLocalStorage(cb: () => Promise<T>): Promise<T> };
  return state.withLocalStorage(callback);
}
