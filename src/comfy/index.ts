/**
 * Everything a session needs from ComfyUI: the client, the prompt runner, batch files, workflow conversion and
 * pre-flight validation. Loads undici and ws: import it lazily from commands that must stay light.
 */
export { ComfyClient } from './client';
export type { ComfyClientOptions, QueueResult, UploadResult } from './client';
export { PromptRunner } from './runner';
export type { RunnerCallbacks, RunnerOptions, RunnerPrompt, RunSummary } from './runner';
export type { PulledFile } from './outputs';
export { PromptTracker } from './tracker';
export type { PromptOutcome, TrackerOptions } from './tracker';
export { ComfySocket } from './socket';
export { PromptValidationError, formatProblem } from './errors';
export { prepareBatch, expandBatch, validateBatch, checkBatch } from './batch/expand';
export type { BatchProblem, ExpandedPrompt } from './batch/expand';
export { BatchFileError, loadBatch, parseBatch } from './batch/load';
export type { LoadedBatch, LoadedModel, LoadedWorkflow, PathError } from './batch/load';
export { convertUiToApi } from './workflow/convert';
export { detectFormat, readWorkflowFile } from './workflow/format';
export { bundledObjectInfo, readObjectInfoFile } from './workflow/object-info';
export { validateApiPrompt, errorsOnly } from './workflow/validate';
export { promptModel } from './workflow/model-load';
export type { PromptModel, ProfileName } from './workflow/model-load';
export { COMFYUI_VERSION } from './version';
export type { ApiPrompt, HistoryEntry, NodeProblem, ObjectInfo, OutputFile } from './types';
