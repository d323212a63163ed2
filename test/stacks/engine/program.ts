// The language-host side: run a program the way @pulumi/pulumi cmd/run/run.js does (require the module, call it
// if it is a function, await it inside runInPulumiStack), and see each RegisterResource request in full.
import * as pulumi from '@pulumi/pulumi';
import { AsyncLocalStorage } from 'async_hooks';
import { nodeProcess } from './realm';
import type { Props } from './secrets';

/** A module path (required like `main` in Pulumi.yaml) or the module's export itself. */
export type Program = string | (() => unknown);

export type Diagnostics = { severity: string; message: string }[];

/** A RegisterResource request as the engine receives it; `object` is the wire form (secrets as secret objects). */
export interface RegisterRequest {
  urn: string;
  type: string;
  name: string;
  custom: boolean;
  parent?: string;
  dependencies: string[];
  additionalSecretOutputs: string[];
  object: Props;
}

type Register = (req: RegisterRequest) => Promise<{ id?: string; state: Props }>;
type Callback = (err: unknown, resp?: unknown) => void;
type Struct = { toJavaScript(): Props } | undefined;
interface Request {
  getType(): string; getName(): string; getParent(): string; getCustom(): boolean; getObject(): Struct;
  getDependenciesList(): string[]; getAdditionalsecretoutputsList(): string[]; getUrn(): string; getOutputs(): Struct;
  getSeverity(): number; getMessage(): string;
}
interface Monitor {
  mocks: { newResource(args: unknown): Promise<{ id?: string; state: Props }> };
  newUrn(parent: string, type: string, name: string): string;
  registerResource(req: Request, callback: Callback): Promise<void>;
  registerResourceOutputs(req: Request, callback: Callback): void;
}
const runtimeState = require('@pulumi/pulumi/runtime/state') as {
  getStore(): { settings: { monitor: Monitor; engine?: unknown } };
};
const runtimeSettings = require('@pulumi/pulumi/runtime/settings') as { waitForRPCs(): Promise<void> };
const severities = ['debug', 'info', 'warning', 'error'];
const stackType = 'pulumi:pulumi:Stack';

let inFlight = 0;

/**
 * Extends the MockMonitor that setMocks installed: newResource gets the whole request (parent, dependencies,
 * additionalSecretOutputs, wire inputs), component and stack outputs are reported, and program logs are kept.
 */
export function hookMonitor(register: Register, onOutputs: (urn: string, outputs: Props) => void,
  diagnostics: Diagnostics): void {
  const { settings } = runtimeState.getStore();
  const monitor = settings.monitor;
  const requests = new AsyncLocalStorage<RegisterRequest>();
  // The engine's URN rule (deployment.go generateURN): the parent's full qualified type, except the root stack's.
  monitor.newUrn = (parent, type, name) => {
    const parentType = parent ? parent.split('::')[2] : stackType;
    const qualifiedType = parentType === stackType ? type : `${parentType}$${type}`;
    return `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::${qualifiedType}::${name}`;
  };
  monitor.mocks.newResource = async () => {
    const request = requests.getStore();
    // readResource (static get, import) arrives here without a RegisterResource request
    if (!request) throw new Error('the test engine does not read existing resources (get/import)');
    inFlight++;
    try {
      return await register(request);
    } finally {
      inFlight--;
    }
  };
  const registerResource = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    const parent = req.getParent() || undefined;
    const request: RegisterRequest = {
      urn: monitor.newUrn(parent ?? '', req.getType(), req.getName()), type: req.getType(), name: req.getName(),
      custom: req.getCustom(), parent, dependencies: req.getDependenciesList(),
      additionalSecretOutputs: req.getAdditionalsecretoutputsList(), object: req.getObject()?.toJavaScript() ?? {},
    };
    return requests.run(request, () => registerResource(req, callback));
  };
  const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
  monitor.registerResourceOutputs = (req, callback) => {
    onOutputs(req.getUrn(), req.getOutputs()?.toJavaScript() ?? {});
    registerOutputs(req, callback);
  };
  // An engine client for log messages; without one the SDK prints them to the console.
  settings.engine = {
    log: (req: Request, callback: Callback) => {
      const severity = severities[req.getSeverity()];
      if (severity !== 'debug') diagnostics.push({ severity, message: req.getMessage() });
      callback(null, {});
    },
    setRootResource: (_req: Request, callback: Callback) => callback(null, {}),
  };
}

/**
 * Runs the program and waits until it and every registration settled. Returns its errors: a rejection, an
 * unhandled rejection (the language host reports those and exits), and messages logged with severity error.
 */
export async function runProgram(program: Program, diagnostics: Diagnostics): Promise<string[]> {
  const errors = new Set<unknown>(); // the host reports each error once, however many promises carried it
  const loggedBefore = diagnostics.length;
  let reportUncaught: (e: unknown, promise: Promise<unknown>) => void = () => undefined;
  const uncaught = new Promise<void>((resolve) => {
    reportUncaught = (e, promise) => {
      promise.catch(() => undefined); // handled here, as by the language host; jest then drops it as well
      errors.add(e);
      resolve();
    };
  });
  nodeProcess.on('unhandledRejection', reportUncaught);
  try {
    const run = async () => {
      await pulumi.runtime.runInPulumiStack(async () => {
        const programExport = typeof program === 'string' ? require(program) : program;
        return await (typeof programExport === 'function' ? programExport() : programExport);
      });
      await runtimeSettings.waitForRPCs();
    };
    await Promise.race([run().catch((e) => void errors.add(e)), uncaught]);
    await quiet(); // after an unhandled error, registrations waiting on the failed resource never finish
  } finally {
    nodeProcess.off('unhandledRejection', reportUncaught);
  }
  const logged = diagnostics.slice(loggedBefore).filter((d) => d.severity === 'error').map((d) => d.message);
  return [...new Set([...[...errors].map(messageOf), ...logged])];
}

// Like the language host's process ending when its event loop drains: wait until no create is running and a few
// turns of the loop pass without a new one.
async function quiet(): Promise<void> {
  for (let idleTurns = 0; idleTurns < 5; idleTurns = inFlight > 0 ? 0 : idleTurns + 1) {
    await new Promise((resolve) => setTimeout(resolve, inFlight > 0 ? 10 : 0));
  }
}

const messageOf = (e: unknown): string => String((e as Error)?.message ?? e);
