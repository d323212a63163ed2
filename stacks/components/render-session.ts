/**
 * `RenderSession`: one ComfyUI render session on a rented GPU — a machine, a render on it, and the machine's end —
 * as a Pulumi component. This file is the reference manual: every arg below says its default and gives an example.
 * The estimate is computed when the program runs (so `pulumi preview` shows it and rents nothing), and the machine
 * waits for it: a budget below the estimate, a missing key or a GPU nobody offers stops the stack before anything
 * is created.
 */
import * as pulumi from '@pulumi/pulumi';
import type { CloudProviderName } from '../../providers/types';
import type { SessionRequest } from '../../src/session/request';
import { buildSessionRequest } from '../../src/session/request-sources';
import { estimateStep, EstimateStepOutput } from '../../src/session/steps';
import type { SessionTimings } from '../../src/session/timings';
import { ComfyMachine, MachineRequest } from '../resources/comfy-machine';
import { defined } from '../resources/provider-runtime';
import { Render } from '../resources/render';
import { visible } from '../user-error';

export interface RenderSessionArgs {
  /**
   * The batch file (YAML): workflows, variations, models and output folder. Its session defaults (`provider`,
   * `gpu`, `budgetUsd`, `maxUsdPerHour`) apply where the args below leave them out.
   * @example "examples/sdxl-batch.yaml"
   */
  batchFile: string;
  /**
   * Cloud to rent from; `auto` takes the cheapest estimate across the clouds that have a key.
   * @default the batch file's `provider`, else `"auto"`
   * @example "runpod"
   */
  provider?: CloudProviderName | 'auto';
  /**
   * Only this GPU (any name the catalog knows: "RTX 4090", "4090", "a100").
   * @default the batch file's `gpu`, else any GPU with enough VRAM for the model
   * @example "RTX 4090"
   */
  gpu?: string;
  /**
   * Budget in US dollars: refused before renting if the estimate is higher; no prompt is queued once spend reaches it.
   * @default the batch file's `budgetUsd`, else no budget
   * @example 2.5
   */
  maxCostUsd?: number;
  /**
   * Only offers at or below this price, US dollars per hour.
   * @default the batch file's `maxUsdPerHour`, else any price
   * @example 0.9
   */
  maxUsdPerHour?: number;
  /**
   * Estimator profile (sd15, sdxl, sd-turbo, lcm, flux-schnell, flux-dev).
   * @default inferred from the workflows' checkpoint
   * @example "sdxl"
   */
  model?: string;
  /**
   * Output root; the images go to `<outDir>/<session id>/<workflow>/`.
   * @default the batch file's `output` folder
   * @example "/home/me/renders"
   */
  outDir?: string;
  /**
   * How machines end: `terminate`, or `stop` where the provider can (storage keeps billing). A machine holding
   * outputs that could not be pulled is stopped (or left to its watchdog), never terminated, whatever this says.
   * @default "terminate"
   * @example "stop"
   */
  teardown?: 'terminate' | 'stop';
  /**
   * End the machine as soon as the render is done (the stack outputs say `tornDown: true`). With `false` it stays
   * up for `pulumi destroy` to end — or its watchdog, once nothing heartbeats for `heartbeatMinutes` or ComfyUI idles
   * for `idleMinutes`. A failed render tears down either way.
   * @default true
   * @example false
   */
  autoTeardown?: boolean;
  /**
   * The machine's watchdog ends it after this many minutes without a heartbeat from this computer (> 0, ≤ 1440).
   * @default 10
   * @example 15
   */
  heartbeatMinutes?: number;
  /**
   * The watchdog ends the machine after ComfyUI idles this many minutes once the batch is done (> 0, ≤ 1440).
   * @default 10
   * @example 5
   */
  idleMinutes?: number;
  /**
   * Hand the account key to Lambda and Paperspace machines so their watchdog can terminate them (full account
   * access for anyone with a shell on the machine). `false`: those machines cannot end themselves.
   * @default true
   * @example false
   */
  remoteKey?: boolean;
  /**
   * Folder holding `.gpuburst/` (session journals), so `gpuburst status`, `resume`, `down` and `sweep` see stack
   * sessions too.
   * @default the project folder (where `pulumi` runs)
   * @example "/home/me/gpuburst"
   */
  workDir?: string;
  /**
   * Waits and polls, in seconds (`readyTimeoutSeconds`, `modelsTimeoutSeconds`, `pollSeconds`, `confirmSeconds`, …
   * see src/session/timings.ts). Real clouds need minutes; simulators need far less.
   * @default the session defaults (45 min for a machine to become ready, 5 s polls)
   * @example { readyTimeoutSeconds: 3600 }
   */
  timings?: Partial<SessionTimings>;
  /**
   * Where the estimate reads provider keys and API URLs. The resources read theirs in Pulumi's provider host
   * (stack config `gpuburst:<provider>ApiKey`, else the environment), never from here, so keys stay out of state.
   * @default process.env
   * @example { ...process.env, VAST_API_KEY: "…" }
   */
  env?: NodeJS.ProcessEnv;
}

export class RenderSession extends pulumi.ComponentResource {
  /** What the session should cost, computed without renting anything. */
  readonly estimate: pulumi.Output<EstimateStepOutput>;
  readonly sessionId: pulumi.Output<string>;
  readonly provider: pulumi.Output<string>;
  readonly machineId: pulumi.Output<string>;
  readonly gpu: pulumi.Output<string>;
  readonly usdPerHour: pulumi.Output<number>;
  /** ComfyUI's base URL on the machine (secret). */
  readonly endpoint: pulumi.Output<string>;
  readonly watchdogMinutes: pulumi.Output<number | undefined>;
  readonly images: pulumi.Output<number>;
  readonly outputFolder: pulumi.Output<string>;
  readonly billedSeconds: pulumi.Output<number>;
  readonly costUsd: pulumi.Output<number>;
  readonly tornDown: pulumi.Output<boolean>;
  readonly status: pulumi.Output<string>;

  constructor(name: string, args: RenderSessionArgs, opts?: pulumi.ComponentResourceOptions) {
    super('gpuburst:index:RenderSession', name, {}, opts);
    const workDir = args.workDir ?? process.cwd();
    const env = args.env ?? process.env;
    const request = requestOf(args, workDir, env);
    const timings = args.timings ?? {};
    const estimate = estimateStep({ request, cwd: workDir, env, timings }).catch((err) => Promise.reject(visible(err)));
    this.estimate = pulumi.output(estimate);
    // The machine's request resolves only after the estimate did: no estimate, no machine.
    const { teardownOnSuccess, ...forMachine } = request;
    const session = this.estimate.apply(() => defined(forMachine) as MachineRequest);
    const machine = new ComfyMachine(`${name}-machine`, { session, workDir, timings }, { parent: this });
    const render = new Render(`${name}-render`, { sessionId: machine.sessionId, autoTeardown: teardownOnSuccess, workDir, timings }, { parent: this, dependsOn: [machine] });

    this.sessionId = machine.sessionId;
    this.provider = machine.provider;
    this.machineId = machine.machineId;
    this.gpu = machine.gpu;
    this.usdPerHour = machine.usdPerHour;
    this.endpoint = machine.endpoint;
    this.watchdogMinutes = machine.watchdogMinutes;
    this.images = render.images;
    this.outputFolder = render.outDir;
    this.billedSeconds = render.billedSeconds;
    this.costUsd = render.costUsd;
    this.tornDown = render.tornDown;
    this.status = render.status;
    this.registerOutputs({
      estimate: this.estimate, sessionId: this.sessionId, provider: this.provider, machineId: this.machineId, gpu: this.gpu,
      usdPerHour: this.usdPerHour, endpoint: this.endpoint, watchdogMinutes: this.watchdogMinutes, images: this.images,
      outputFolder: this.outputFolder, billedSeconds: this.billedSeconds, costUsd: this.costUsd, tornDown: this.tornDown, status: this.status,
    });
  }
}

/** The args as a session request: the one builder merges them over the batch file's defaults and checks them. */
function requestOf(args: RenderSessionArgs, cwd: string, env: NodeJS.ProcessEnv): SessionRequest {
  try {
    return buildSessionRequest({
      origin: 'args',
      cwd,
      env,
      given: {
        batchFile: args.batchFile,
        provider: args.provider,
        gpu: args.gpu,
        maxCostUsd: args.maxCostUsd,
        maxUsdPerHour: args.maxUsdPerHour,
        model: args.model,
        outDir: args.outDir,
        teardown: args.teardown,
        teardownOnSuccess: args.autoTeardown,
        heartbeatMinutes: args.heartbeatMinutes,
        idleMinutes: args.idleMinutes,
        remoteKey: args.remoteKey,
      },
    });
  } catch (err) {
    throw visible(err);
  }
}
