/**
 * The batch run on a session's machine, as a Pulumi dynamic resource over the render step (src/session/steps.ts):
 * create = place models, send workflows and inputs, run every prompt, pull the outputs down, then (with
 * `autoTeardown`) terminate the machine. A failed render still tears down, or stops a machine whose outputs could
 * not be pulled: the step does it. Delete has nothing to end; the machine resource's delete ends the machine.
 */
import * as pulumi from '@pulumi/pulumi';
import type { SessionTimings } from '../../src/session/timings';
import { defined, keysFromConfig, loadSteps, sameJson, stepEnv } from './provider-runtime';

export interface RenderInputs {
  /** The session the machine was provisioned for (ComfyMachine.sessionId). */
  sessionId: pulumi.Input<string>;
  autoTeardown: pulumi.Input<boolean>;
  workDir: pulumi.Input<string>;
  timings: pulumi.Input<Partial<SessionTimings>>;
}

type Props = Record<string, unknown>;

interface RenderRequest {
  sessionId: string;
  autoTeardown: boolean;
  workDir: string;
  timings: Partial<SessionTimings>;
}

export const renderProvider = {
  /** Keys from stack config, filled in by `configure` in the host (empty when serialized). */
  keys: {} as Record<string, string>,

  async configure(req: { config: { get(key: string): string | undefined } }) {
    this.keys = keysFromConfig((key) => req.config.get(key));
  },

  async create(inputs: Props) {
    const i = inputs as unknown as RenderRequest;
    try {
      const r = await loadSteps().renderStep({ cwd: i.workDir, env: stepEnv(this.keys), timings: i.timings, sessionId: i.sessionId, autoTeardown: i.autoTeardown });
      return { id: i.sessionId, outs: { ...inputs, ...defined(r) } };
    } catch (err) {
      // Nothing of the render stays to delete; say what was saved and what it cost before the error.
      const report = (err as { report?: { images: number; outDir: string; costUsd: number; machines: { result: string }[] } }).report;
      const saved = report ? ` (${report.images} images in ${report.outDir}, $${report.costUsd.toFixed(2)}; machine ${report.machines.map((m) => m.result).join(', ') || 'not created'})` : '';
      throw new Error(`render of session ${i.sessionId} failed: ${(err as Error).message}${saved}`);
    }
  },

  async diff(_id: string, olds: Props, news: Props) {
    const replace = olds.sessionId !== news.sessionId || !sameJson(olds.autoTeardown, news.autoTeardown);
    return { changes: replace, replaces: replace ? ['sessionId'] : [], deleteBeforeReplace: true };
  },

  async update(_id: string, olds: Props, news: Props) {
    return { outs: { ...olds, workDir: news.workDir, timings: news.timings } };
  },

  async delete() {
    // The outputs are on disk and the machine is the ComfyMachine's to end (it is deleted after this resource).
  },
};

export class Render extends pulumi.dynamic.Resource {
  /** Images pulled to `outDir`. */
  declare readonly images: pulumi.Output<number>;
  /** The session's output folder: `<output root>/<session id>/<workflow>/…`. */
  declare readonly outDir: pulumi.Output<string>;
  declare readonly billedSeconds: pulumi.Output<number>;
  declare readonly costUsd: pulumi.Output<number>;
  /** True when no machine of the session is left (terminated, or never created). */
  declare readonly tornDown: pulumi.Output<boolean>;
  /** Session status at the end: done, failed, interrupted, stopped. */
  declare readonly status: pulumi.Output<string>;
  /** Prompts that failed, and prompts never run (a budget stop): `done` can still hide some. */
  declare readonly failedPrompts: pulumi.Output<number>;
  declare readonly notStartedPrompts: pulumi.Output<number>;

  constructor(name: string, args: RenderInputs, opts?: pulumi.CustomResourceOptions) {
    const outputs = { images: undefined, outDir: undefined, billedSeconds: undefined, costUsd: undefined, tornDown: undefined, status: undefined, failedPrompts: undefined, notStartedPrompts: undefined };
    super(renderProvider, name, { ...outputs, ...args }, opts, 'gpuburst', 'Render');
  }
}
