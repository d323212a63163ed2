/**
 * The journal's format (version 2) and its reader. A version 1 journal (written before the session request existed:
 * loose `options`, `batchFile` and `budgetUsd`) is mapped once, here, onto the request and goes through the same
 * schema; its watchdog minutes above a day (the old CLI allowed any number) are read as a day. Anything else the
 * schema refuses is one error naming the journal file and the value.
 */
import { z } from 'zod';
import type { ProviderName } from '../../providers/types';
import { BadInputError } from '../../providers/errors';
import { MAX_WATCHDOG_MINUTES, parseSessionRequest, RawRequest, RequestField, SessionRequest } from './request';

export type MachineState = 'intended' | 'created' | 'ready' | 'stopped' | 'terminated' | 'not-created';
/** `interrupted`: stopped while running by Ctrl-C / SIGTERM / down; still to do (resume renders it). */
export type PromptState = 'pending' | 'queued' | 'running' | 'done' | 'failed' | 'interrupted';
// One list: the type and the schema that checks journals on read can never disagree.
const STATUSES = ['planning', 'provisioning', 'rendering', 'tearing-down', 'done', 'partial', 'failed', 'interrupted', 'stopped'] as const;
export type SessionStatus = (typeof STATUSES)[number];
const ENDED: ReadonlySet<string> = new Set<SessionStatus>(['done', 'partial', 'failed', 'interrupted', 'stopped']);

/** The session is over: no process works on it any more (the others mean under way, or crashed while so). */
export function hasEnded(status: string): boolean {
  return ENDED.has(status);
}

/** A machine that may still exist and bill: neither confirmed ended nor known never to have been created. */
export function isOpen(m: Pick<MachineRecord, 'state'>): boolean {
  return m.state !== 'terminated' && m.state !== 'not-created';
}

export interface MachineRecord {
  provider: ProviderName;
  name: string;
  offerId: string;
  gpu: string;
  gpuCount: number;
  usdPerHour: number;
  region: string;
  state: MachineState;
  id?: string;
  endpoint?: string;
  intendedAt: string;
  createdAt?: string;
  readyAt?: string;
  endedAt?: string;
  /** How the machine can end itself if this process dies. */
  watchdog: { armed: boolean; via: string; heartbeatMinutes?: number };
  note?: string;
}

interface PulledFile {
  /** Relative to the session's output folder. */
  path: string;
  bytes: number;
}

export interface PromptRecord {
  id: string;
  workflow: string;
  state: PromptState;
  machine?: string;
  comfyPromptId?: string;
  files?: PulledFile[];
  error?: string;
  startedAt?: string;
  endedAt?: string;
  /** Render time measured on the machine, seconds. */
  seconds?: number;
  /** It rendered, but its outputs could not be pulled: the machine must not be terminated. */
  pullFailed?: boolean;
  /** With `pullFailed`: its files on the machine, to pull by name once ComfyUI (restarted) no longer has its history. */
  remote?: { nodeId: string; filename: string; subfolder: string; type: string }[];
}

export interface SessionJournal {
  version: 2;
  id: string;
  createdAt: string;
  updatedAt: string;
  status: SessionStatus;
  /** Process that runs the session, so status/sweep can tell a live session from a crashed one. */
  owner: { pid: number; host: string };
  /** What the session was asked for, as parsed (`model` filled in with the profile the plan used). */
  request: SessionRequest;
  /** The session's own output folder: `<request.outDir or the batch's output>/<id>`. */
  outDir: string;
  estimate?: { costUsd: number; totalSeconds: number; secondsPerImage: number; gpu: string; provider: string };
  machines: MachineRecord[];
  /** A model cache this session created (./cache.ts): the user's to keep, never ended by teardown or sweep. */
  cache?: CacheRecord;
  prompts: PromptRecord[];
  report?: Record<string, unknown>;
  message?: string;
}

/** A model cache this session created (./cache.ts); it outlives the session on purpose. */
export interface CacheRecord {
  provider: ProviderName;
  name: string;
  region: string;
  id?: string;
  state: 'intended' | 'created';
  at: string;
}

const MACHINE_STATES = ['intended', 'created', 'ready', 'stopped', 'terminated', 'not-created'] as const;
const PROMPT_STATES = ['pending', 'queued', 'running', 'done', 'failed', 'interrupted'] as const;
const PROVIDERS = ['runpod', 'vast', 'lambda', 'paperspace', 'local'] as const;

// What the code reads from a journal. Loose objects: fields a newer gpuburst adds are kept, not refused.
const MachineSchema = z.looseObject({
  provider: z.enum(PROVIDERS),
  name: z.string().min(1),
  offerId: z.string(),
  gpu: z.string(),
  gpuCount: z.number(),
  usdPerHour: z.number().nonnegative(),
  region: z.string(),
  state: z.enum(MACHINE_STATES),
  id: z.string().optional(),
  intendedAt: z.string(),
  createdAt: z.string().optional(),
  endedAt: z.string().optional(),
  watchdog: z.looseObject({ armed: z.boolean(), via: z.string() }),
});
const PromptSchema = z.looseObject({ id: z.string().min(1), workflow: z.string(), state: z.enum(PROMPT_STATES) });
const JournalShape = z.looseObject({
  id: z.string().min(1),
  createdAt: z.string(),
  updatedAt: z.string(),
  status: z.enum(STATUSES),
  owner: z.looseObject({ pid: z.number().int(), host: z.string() }),
  outDir: z.string(),
  machines: z.array(MachineSchema),
  prompts: z.array(PromptSchema),
});

/** A journal as read from `file` (any known version): its shape and its request checked by the schemas. */
export function readJournal(file: string, raw: unknown): SessionJournal {
  const data = raw as Record<string, unknown>;
  if (data?.version !== 1 && data?.version !== 2) throw new BadInputError(`${file}: unknown journal version ${String(data?.version)}; it was written by another gpuburst`);
  if (data.rebuilt === true) throw new BadInputError(`${file}: rebuilt by gpuburst down from a damaged journal (the damaged text is beside it, .damaged); only its machines are known`);
  checkShape(file, data);
  if (data.version === 2 && (typeof data.request !== 'object' || data.request === null)) throw new BadInputError(`${file}: request: missing`);
  if (data.version === 2) return { ...(data as unknown as SessionJournal), request: parseSessionRequest(data.request as RawRequest, (f) => `${file}: request.${f}`) };
  return fromVersion1(file, data);
}

function checkShape(file: string, data: Record<string, unknown>): void {
  const parsed = JournalShape.safeParse(data);
  if (parsed.success) return;
  const issue = parsed.error.issues[0];
  throw new BadInputError(`${file}: ${issue.path.join('.') || 'the journal'}: ${issue.message}`);
}

/** Version 1 kept these two at the top level; everything else was under `options`. */
const V1_NAMES: Partial<Record<RequestField, string>> = { batchFile: 'batchFile', maxCostUsd: 'budgetUsd' };

function fromVersion1(file: string, data: Record<string, unknown>): SessionJournal {
  const { options, batchFile, budgetUsd, ...rest } = data;
  const o = (options ?? {}) as Record<string, unknown>;
  const minutes = (v: unknown) => (typeof v === 'number' && v > MAX_WATCHDOG_MINUTES ? MAX_WATCHDOG_MINUTES : v);
  const old: RawRequest = {
    batchFile,
    provider: o.provider,
    gpu: o.gpu,
    pods: o.pods,
    maxCostUsd: budgetUsd,
    model: o.model,
    teardown: o.teardown,
    idleMinutes: minutes(o.idleMinutes),
    heartbeatMinutes: minutes(o.heartbeatMinutes),
    remoteKey: o.remoteKey,
    comfyUrls: o.comfyUrls,
    simulated: o.simulated,
  };
  const request = parseSessionRequest(old, (f) => `${file} (a version 1 journal): ${V1_NAMES[f] ?? `options.${f}`}`);
  return { ...(rest as unknown as SessionJournal), version: 2, request };
}
