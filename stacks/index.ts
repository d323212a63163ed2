/**
 * The Pulumi program (`main` in Pulumi.yaml): the stack's config → one RenderSession → the stack outputs.
 * `pulumi preview` shows `estimate` and rents nothing; `pulumi up` renders and, by default, ends the machine.
 */
import { RenderSession } from './components/render-session';
import { readStackConfig } from './config';

export = () => {
  const session = new RenderSession('gpuburst', readStackConfig());
  return {
    estimate: session.estimate,
    provider: session.provider,
    machineId: session.machineId,
    gpu: session.gpu,
    usdPerHour: session.usdPerHour,
    endpoint: session.endpoint,
    watchdogMinutes: session.watchdogMinutes,
    images: session.images,
    outputFolder: session.outputFolder,
    billedSeconds: session.billedSeconds,
    costUsd: session.costUsd,
    tornDown: session.tornDown,
    status: session.status,
  };
};
