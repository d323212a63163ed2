/**
 * A rented machine running ComfyUI, as a Pulumi dynamic resource over the session steps (src/session/steps.ts):
 * create = provision (plan, journal, create, wait until ComfyUI answers, arm the watchdog); read = ask the provider
 * (a machine gone elsewhere leaves state on refresh); delete = terminate, idempotent. Keys are never inputs: the
 * provider reads them from stack config in `configure` or from the host's environment.
 */
import * as pulumi from '@pulumi/pulumi';
import type { ProviderName } from '../../providers/types';
import type { SessionRequest } from '../../src/session/request';
import type { SessionTimings } from '../../src/session/timings';
import { defined, keysFromConfig, loadSteps, stepEnv } from './provider-runtime';

/**
 * What the machine is asked for: the session request (src/session/request.ts) as the component built it, without
 * `teardownOnSuccess` (the Render's business: changing it must not replace the machine) and without undefined
 * fields (inputs travel as protobuf Structs). Changing it replaces the machine.
 */
export type MachineRequest = Omit<Partial<SessionRequest>, 'teardownOnSuccess'>;

export interface ComfyMachineInputs {
  session: pulumi.Input<MachineRequest>;
  /** Folder holding `.gpuburst/` (session journals, shared with `gpuburst status`, `resume`, `down`, `sweep`). */
  workDir: pulumi.Input<string>;
  timings: pulumi.Input<Partial<SessionTimings>>;
}

/** The machine as stored in state: the inputs plus what provisioning returned. */
interface MachineState {
  session: MachineRequest;
  workDir: string;
  timings: Partial<SessionTimings>;
  sessionId?: string;
  provider: ProviderName;
  machineId: string;
  /** 'ready' after create, 'failed' when create failed after the machine existed. */
  status: string;
}

type Props = Record<string, unknown>;

export const comfyMachineProvider = {
  /** Keys from stack config, filled in by `configure` in the host (empty when serialized). */
  keys: {} as Record<string, string>,

  async configure(req: { config: { get(key: string): string | undefined } }) {
    this.keys = keysFromConfig((key) => req.config.get(key));
  },

  async create(inputs: Props) {
    const i = inputs as unknown as MachineState;
    try {
      const m = await loadSteps().provisionStep({ request: i.session, cwd: i.workDir, env: stepEnv(this.keys), timings: i.timings });
      return { id: m.machineId, outs: { ...inputs, ...defined(m), status: 'ready' } };
    } catch (err) {
      const e = err as Error & { machineId?: string; machineProvider?: string; sessionId?: string };
      if (!e?.machineId) throw err;
      // The machine existed: the host turns an error with `id` into "created, failed to initialize", so the engine
      // keeps it in state (with these properties as outputs, `__provider` included) and destroy can end it.
      const provider = e.machineProvider ?? i.session.provider;
      const properties = { ...inputs, ...defined({ sessionId: e.sessionId }), provider, machineId: e.machineId, status: 'failed' };
      throw Object.assign(new Error(e.message), { id: e.machineId, properties, reasons: [e.message] });
    }
  },

  async read(id: string, props: Props) {
    const p = props as unknown as MachineState;
    const found = await loadSteps().readStep({ cwd: p.workDir, env: stepEnv(this.keys), timings: p.timings, provider: p.provider, machineId: id });
    if (!found) return { id: '' };
    // `status` stays what create found (a failed machine stays due for replacement); the provider's word is apart.
    return { id, props: { ...props, ...defined({ usdPerHour: found.usdPerHour }), providerStatus: found.status } };
  },

  async diff(_id: string, olds: Props, news: Props) {
    // A new request, or a machine that never became ready, means a new machine; the old one ends first. Requests are
    // compared checked and defaulted, so a state written before a field existed does not replace a running machine.
    const replace = !loadSteps().sameRequest(olds.session, news.session) || olds.status === 'failed';
    return { changes: replace, replaces: replace ? ['session'] : [], deleteBeforeReplace: true };
  },

  async update(_id: string, olds: Props, news: Props) {
    // Only where journals live and how long to wait can change in place; the machine itself is untouched.
    return { outs: { ...olds, workDir: news.workDir, timings: news.timings } };
  },

  async delete(id: string, props: Props) {
    const p = props as unknown as MachineState;
    await loadSteps().terminateStep({ cwd: p.workDir, env: stepEnv(this.keys), timings: p.timings, provider: p.provider, machineId: id, sessionId: p.sessionId });
  },
};

export class ComfyMachine extends pulumi.dynamic.Resource {
  declare readonly sessionId: pulumi.Output<string>;
  /** Name the machine carries at its provider (`gpuburst-…`). */
  declare readonly name: pulumi.Output<string>;
  declare readonly provider: pulumi.Output<ProviderName>;
  declare readonly machineId: pulumi.Output<string>;
  declare readonly gpu: pulumi.Output<string>;
  declare readonly usdPerHour: pulumi.Output<number>;
  /** ComfyUI's base URL (behind the machine's token proxy); secret in state. */
  declare readonly endpoint: pulumi.Output<string>;
  /** Minutes without a heartbeat after which the machine ends itself; absent when it cannot. */
  declare readonly watchdogMinutes: pulumi.Output<number | undefined>;
  declare readonly estimateUsd: pulumi.Output<number>;
  /** 'ready', or 'failed' when it never became ready (the next `up` replaces it). */
  declare readonly status: pulumi.Output<string>;
  /** The machine's status as its provider said at the last refresh (running, stopped, …). */
  declare readonly providerStatus: pulumi.Output<string | undefined>;

  constructor(name: string, args: ComfyMachineInputs, opts?: pulumi.CustomResourceOptions) {
    const outputs = { sessionId: undefined, name: undefined, provider: undefined, machineId: undefined, gpu: undefined, usdPerHour: undefined, endpoint: undefined, watchdogMinutes: undefined, estimateUsd: undefined, status: undefined, providerStatus: undefined };
    const secret = [...(opts?.additionalSecretOutputs ?? []), 'endpoint'];
    super(comfyMachineProvider, name, { ...outputs, ...args }, { ...opts, additionalSecretOutputs: secret }, 'gpuburst', 'ComfyMachine');
  }
}
