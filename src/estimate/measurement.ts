/**
 * The one door into the calibration file: a finished session hands over what it measured, and this decides
 * whether it is a measurement at all. Refused, with the reason: simulated runs (`--simulate`, `gpuburst sim`,
 * a cloud machine answering on this computer), prompts that load no model or a model we cannot name, too few
 * images, a figure that is not a positive number. Kept: a cloud run drives that provider's rows; a local run is
 * "your GPU, measured" and drives the local row only.
 */
import { BadInputError } from '../../providers/errors';
import { CalibrationEntry, MeasuredSettings, writeCalibrationEntry } from './calibration';
import { getProfile, MODEL_FREE, profileOfModelFile, throughputProfile } from './profiles';

/** Fewer prompts than this are one slow start, not a speed. */
const MIN_MEASURED_IMAGES = 3;

/** A ComfyUI API-format prompt, as much of it as is read here. */
export type PromptNodes = Record<string, { class_type: string; inputs: Record<string, unknown> }>;

export interface Measurement {
  /** cloud: a rented machine; local: a ComfyUI server of your own. */
  kind: 'cloud' | 'local';
  /** The session ran against simulators (`--simulate`, or endpoints from `gpuburst sim`). */
  simulated: boolean;
  provider: string;
  gpu: string;
  /** The machine's ComfyUI address: a cloud machine on loopback is a simulator whatever the flags say. */
  endpoint?: string;
  /** Profile the session estimated with. */
  model: string;
  /** Model files the measured prompts load (modelFilesOf); none: nothing about a model was measured. */
  modelFiles: readonly string[];
  settings: MeasuredSettings;
  secondsPerImage: number;
  /** Images the figure is taken over (finished prompts × batch size). */
  images: number;
  sessionId?: string;
  measuredAt?: string;
}

export type MeasurementOutcome = { recorded: true; entry: CalibrationEntry } | { recorded: false; reason: string };

/** Checkpoint and diffusion-model files a prompt loads (any loader node's ckpt_name / unet_name). */
export function modelFilesOf(prompts: readonly PromptNodes[]): string[] {
  const files = new Set<string>();
  for (const prompt of prompts) {
    for (const node of Object.values(prompt)) {
      for (const key of ['ckpt_name', 'unet_name']) {
        const value = node?.inputs?.[key];
        if (typeof value === 'string' && value.trim()) files.add(value.trim());
      }
    }
  }
  return [...files];
}

/** Why this run is not a measurement, or undefined when it is one. */
function refusal(m: Measurement): string | undefined {
  if (m.simulated) return 'a simulated run';
  if ((m.provider === 'local') !== (m.kind === 'local')) return `kind ${m.kind} does not match provider ${m.provider}`;
  if (m.kind === 'cloud' && m.endpoint && isLoopback(m.endpoint)) return `a cloud machine answering on this computer (${hostOf(m.endpoint)}) is a simulator`;
  if (!(Number.isFinite(m.secondsPerImage) && m.secondsPerImage > 0)) return `${m.secondsPerImage} s/image is not a measurement`;
  if (!(m.images >= MIN_MEASURED_IMAGES)) return `${m.images} image(s) are too few (at least ${MIN_MEASURED_IMAGES})`;
  if (!m.modelFiles.length || m.model === MODEL_FREE.name) return 'the prompts load no model';
  let profile;
  try {
    profile = getProfile(m.model);
  } catch {
    return `unknown model profile "${m.model}"`;
  }
  const accepted = new Set([profile.name, throughputProfile(profile).name]);
  const unknown = m.modelFiles.filter((f) => !accepted.has(profileOfModelFile(f) ?? ''));
  if (unknown.length) return `${unknown.join(', ')} is not a model gpuburst can name as ${profile.name}`;
  return undefined;
}

/** Saves the measurement when it is one; otherwise says why not. Never throws for a refused run. */
export function recordMeasurement(cwd: string, m: Measurement): MeasurementOutcome {
  const reason = refusal(m);
  if (reason) return { recorded: false, reason };
  try {
    const entry = writeCalibrationEntry(cwd, {
      kind: m.kind,
      provider: m.provider,
      gpu: m.gpu,
      model: getProfile(m.model).name,
      ...pickSettings(m.settings),
      secondsPerImage: m.secondsPerImage,
      images: Math.floor(m.images),
      measuredAt: m.measuredAt ?? new Date().toISOString(),
      ...(m.sessionId ? { sessionId: m.sessionId } : {}),
      source: 'gpuburst run',
    });
    return { recorded: true, entry };
  } catch (err) {
    // A calibration file the user broke, or a read-only folder, must not turn a finished session into a failure.
    const why = err instanceof BadInputError ? err.message : `the calibration file cannot be written (${(err as NodeJS.ErrnoException).code ?? String(err)})`;
    return { recorded: false, reason: why };
  }
}

function pickSettings(s: MeasuredSettings): MeasuredSettings {
  return { steps: s.steps, width: s.width, height: s.height, batchSize: s.batchSize, precision: s.precision };
}

function hostOf(endpoint: string): string {
  try {
    return new URL(endpoint).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return '';
  }
}

function isLoopback(endpoint: string): boolean {
  const host = hostOf(endpoint).toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || /^127\./.test(host) || host === '::1' || host === '0.0.0.0';
}
