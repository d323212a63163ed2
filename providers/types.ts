/**
 * The provider contract: the first file to read.
 *
 * Every cloud (RunPod, Vast.ai, Lambda Cloud, Paperspace) and the `local` target (ComfyUI servers the user
 * already runs) implements `Provider`. Provider quirks — status strings, GPU names, envelopes, error texts —
 * are translated inside `providers/<name>/`; nothing outside that folder sees them.
 *
 * Rules every adapter follows:
 * - Every method takes one options object, so the contract can grow without breaking callers.
 * - Errors are the typed family in `./errors` (stable `code`, `provider`, `retryable`); never a raw HTTP error.
 * - No API key ever appears in a returned value, a thrown error or a log line.
 * - `createMachine` is never retried blindly: after an ambiguous failure the adapter looks the machine up by its
 *   unique name before trying again, so one call never yields two paid machines.
 * - `terminateMachine` on a machine that is already gone succeeds.
 */

export const CLOUD_PROVIDERS = ['runpod', 'vast', 'lambda', 'paperspace'] as const;
export type CloudProviderName = (typeof CLOUD_PROVIDERS)[number];
export type ProviderName = CloudProviderName | 'local';

/** Every machine we create carries this name prefix (and label/tag where the provider has them). */
export const MACHINE_NAME_PREFIX = 'gpuburst-';
/** Label / tag value marking a machine as ours where the provider supports labels or tags. */
export const MACHINE_LABEL = 'gpuburst';

/** One rentable configuration: a GPU type (and count) at a price, in a region. */
export interface Offer {
  provider: ProviderName;
  /** Opaque handle the same adapter needs to create a machine on this offer (Vast ask id, RunPod GPU type id, …). */
  offerId: string;
  /** Normalized GPU name, the same across providers: "RTX 4090", "A100 80GB", "RTX A4000". */
  gpu: string;
  gpuCount: number;
  /** VRAM per GPU, in GB. */
  vramGb: number;
  /** Price of the whole machine (all GPUs) while running, USD per hour. */
  usdPerHour: number;
  /** Can be taken away (spot / bid). */
  interruptible: boolean;
  region: string;
  /** The provider says it can place a machine now. A listing is not a reservation: create may still fail. */
  available: boolean;
  /** True when read from the provider's API just now; false when it comes from the bundled catalog. */
  live: boolean;
  /** Download bandwidth of the host in Mbit/s, where the provider reports it (Vast). */
  downloadMbps?: number;
}

export interface ListOffersOptions {
  /** Normalized GPU name to keep (case-insensitive). */
  gpu?: string;
  minVramGb?: number;
  maxUsdPerHour?: number;
  /** true: only interruptible offers; false: only on-demand; undefined: both. */
  interruptible?: boolean;
  gpuCount?: number;
  /** Only offers that can be placed in this region / data center (a model cache's); their `region` is then it. */
  region?: string;
  signal?: AbortSignal;
}

/** One port the machine exposes. ComfyUI is 8188/http. */
export interface PortSpec {
  port: number;
  protocol: 'http' | 'tcp';
}

/** What to run. Built by the session from a template; the adapter maps it onto the provider's API. */
export interface MachineSpec {
  /** Unique, starts with MACHINE_NAME_PREFIX; the adapter shortens it only within the provider's limit. */
  name: string;
  /** Session that owns the machine; stored in a label/tag/env marker so a sweep can find it. */
  sessionId: string;
  /** From `Offer.offerId` of this same provider. */
  offerId: string;
  /** Container image running ComfyUI behind an auth proxy. */
  image: string;
  /** Environment of the container. May hold secrets (access token, watchdog key): never log it. */
  env: Record<string, string>;
  ports: PortSpec[];
  /** Disk for the container / VM, GB. */
  diskGb: number;
  /**
   * Shell commands run on the machine at boot, next to ComfyUI (the watchdog launcher). Container clouds run it
   * in the container before the image's own start; VM clouds run it on the host after starting the container.
   */
  bootScript?: string;
  /**
   * Container paths the boot script also works in (the agent's io and model folders). VM clouds, whose boot script
   * runs on the host, bind-mount each at the same path into the container.
   */
  sharedPaths?: string[];
  /** Start command of the image, so a container cloud can run `bootScript` first and then hand over to it. */
  imageStartCommand?: string;
  /**
   * A provider-side timer as a last resort where one exists and works (Paperspace auto-shutdown, which stops but
   * does not delete). Ignored elsewhere: RunPod accepts terminateAfter but never acts on it (docs/reference/runpod.md §3.2).
   */
  maxLifetimeHours?: number;
  /** A model cache to attach (from createCache / listCaches of this same provider). */
  cache?: CacheMount;
}

/**
 * A persistent model cache attached to a machine at create. Machines with one are placed in its region only; the
 * agent keeps models on it, so a later session in the same region downloads nothing.
 */
export interface CacheMount {
  id: string;
  name: string;
  region: string;
  /** Where the cache appears on the machine (inside the container on RunPod, on the VM on Lambda). */
  mountPath: string;
}

/** One lifecycle for every provider. `ready` is set only when ComfyUI answered at the endpoint. */
export type MachineStatus =
  | 'pending'
  | 'booting'
  | 'running'
  | 'ready'
  | 'stopping'
  | 'stopped'
  | 'terminated'
  | 'failed';

export interface Machine {
  provider: ProviderName;
  id: string;
  name: string;
  /** From the machine's label/tag/name; undefined when it cannot be read back. */
  sessionId?: string;
  status: MachineStatus;
  /** The provider's own status word, for messages and debugging. */
  providerStatus: string;
  gpu?: string;
  gpuCount?: number;
  /** Rate the provider bills for this machine now, USD per hour (0 when stopped where compute stops). */
  usdPerHour?: number;
  /** Base URL of ComfyUI as the provider exposes it (no credentials in it), once known. */
  endpoint?: string;
  region?: string;
  createdAt?: string;
  /** Free-text reason the provider gives for `failed` (image pull error, capacity lost…). */
  message?: string;
}

export interface CreateMachineOptions {
  spec: MachineSpec;
  signal?: AbortSignal;
}

export interface MachineRef {
  id: string;
  signal?: AbortSignal;
}

export interface WaitUntilReadyOptions extends MachineRef {
  /** Called with the endpoint once the provider reports it; resolves true when ComfyUI answers (with auth). */
  probe: (endpoint: string) => Promise<boolean>;
  /** Give up (with a TransientError carrying the machine id) after this long. */
  timeoutSeconds: number;
  pollSeconds?: number;
  onStatus?: (machine: Machine) => void;
}

export interface ListMachinesOptions {
  /** Only the machine with exactly this name. */
  name?: string;
  signal?: AbortSignal;
}

export interface KillSwitchOptions {
  /** The unique machine name from the spec. */
  name: string;
  /**
   * An account API key to hand to the machine, for providers with no machine-scoped key (Lambda, Paperspace).
   * Undefined when the user chose `--no-remote-key`.
   */
  remoteKey?: string;
}

/**
 * How a watchdog on the machine terminates its own machine. Declarative, so one generic watchdog script serves
 * every provider. `${VAR}` placeholders are filled from the machine's environment at the time of the call.
 */
export interface KillSwitch {
  /** Extra environment the watchdog needs (API base URL, a remote key). Secret: never log it. */
  env: Record<string, string>;
  /** Find the machine's own id by its unique name first (VM clouds), storing it as ${MACHINE_ID}. */
  lookup?: {
    url: string;
    headers: Record<string, string>;
    /** Dot path to the array in the JSON response ("data", "items", "" for the root). */
    listPath: string;
    nameField: string;
    idField: string;
    /** The name as the provider stores it, where it may shorten the spec's (Lambda: 64 characters). */
    name?: string;
  };
  terminate: {
    method: 'DELETE' | 'POST';
    url: string;
    headers: Record<string, string>;
    body?: string;
  };
}

interface Capability {
  supported: boolean;
  /** Why, in one sentence a user can read (with the provider's own wording where useful). */
  reason: string;
}

export interface Capabilities {
  /** Can the machine be stopped (compute billing ends, disk kept)? */
  stop: Capability & {
    billsWhileStopped: string;
    /** false where a stop clears the disk ComfyUI writes to: a machine holding unpulled outputs must not be stopped. */
    keepsOutputs?: boolean;
  };
  interruptible: Capability;
  /** How the machine can end itself when the client is gone. */
  selfTerminate: Capability & {
    via: 'machine-scoped-key' | 'account-key' | 'provider-timer' | 'none';
    /** True when an account key must be handed to the machine for the watchdog to work. */
    needsRemoteKey: boolean;
    /** What remains when the user refuses to hand over a key (`--no-remote-key`). */
    withoutRemoteKey: string;
  };
  /**
   * A model cache that outlives machines (RunPod network volume, Lambda filesystem): created once, attached at create,
   * pinning machines to its region. Unsupported where storage is tied to one host or absent from the API.
   */
  modelCache: Capability & {
    /** Storage price from providers/billing.ts (CACHE_STORAGE); 0 where unsupported. */
    usdPerGbMonth: number;
    /** What is billed: the size asked for at create (RunPod) or the bytes stored (Lambda). */
    billedOn: 'allocated' | 'used';
    /** How the user names where a new cache goes, for messages: "a data center such as EU-RO-1". */
    whereExample?: string;
  };
  /** The provider's row of the one billing table (providers/billing.ts); the estimator reads the same row. */
  billing: {
    /** Compute is billed in increments of this many seconds. */
    incrementSeconds: number;
    minimumSeconds: number;
    note: string;
  };
}

export interface SweepLeftoversOptions {
  /** List what would be deleted, delete nothing. */
  dryRun?: boolean;
  signal?: AbortSignal;
}

/** Something other than a machine that gpuburst created and that outlived its machine. */
export interface Leftover {
  /** What it is at the provider, e.g. "startup-script". */
  kind: string;
  id: string;
  name: string;
  /** True when it was deleted (false on a dry run, or when the delete failed: `message` says why). */
  deleted: boolean;
  message?: string;
}

/** A model cache as the provider lists it. It is the user's: nothing in a session or sweep ever deletes one. */
export interface ModelCache extends CacheMount {
  provider: ProviderName;
  /** Allocated size (RunPod); undefined where the provider bills what is stored (Lambda). */
  sizeGb?: number;
  /** Bytes stored, where the provider reports it (Lambda: an estimate updated every few hours). */
  usedBytes?: number;
  /** Mounted by a machine now, where the provider says so (Lambda `is_in_use`). */
  inUse?: boolean;
  /** What it bills per month as it stands: allocated or stored GB × the provider's rate. */
  usdPerMonth: number;
}

export interface ListCachesOptions {
  signal?: AbortSignal;
}

export interface CreateCacheOptions {
  /** The user's name for it; created exactly once (looked up by name before any retry). */
  name: string;
  region: string;
  /** Size to allocate where the provider needs one (RunPod: 10–4096 GB); ignored where it bills what is stored. */
  sizeGb: number;
  signal?: AbortSignal;
}

export interface Provider {
  readonly name: ProviderName;
  capabilities(): Capabilities;
  /** Live offers with prices and availability. */
  listOffers(opts: ListOffersOptions): Promise<Offer[]>;
  /** Create one machine. Resolves as soon as the provider returned an id; the machine is usually still booting. */
  createMachine(opts: CreateMachineOptions): Promise<Machine>;
  /** Current state. A machine the provider no longer knows is returned with status `terminated`. */
  getMachine(opts: MachineRef): Promise<Machine>;
  /** Poll until the provider runs the machine, then until `probe` says ComfyUI answers; returns it `ready`. */
  waitUntilReady(opts: WaitUntilReadyOptions): Promise<Machine>;
  /** Stop compute billing, keep the disk. Throws UnsupportedError where the provider cannot. */
  stopMachine(opts: MachineRef): Promise<void>;
  /** Start a stopped machine again (to pull outputs it kept). Throws UnsupportedError where stop is unsupported. */
  startMachine(opts: MachineRef): Promise<void>;
  /** End the machine and its billing. Succeeds when the machine is already gone. */
  terminateMachine(opts: MachineRef): Promise<void>;
  /** Our machines only (name prefix / label), in any state the provider still lists. */
  listMachines(opts: ListMachinesOptions): Promise<Machine[]>;
  /** The request a watchdog on the machine sends to terminate it. */
  killSwitch(opts: KillSwitchOptions): KillSwitch;
  /**
   * Deletes what our machines left behind besides themselves (Paperspace: startup scripts whose machine is gone), so
   * `sweep` needs no provider-specific code. Resources of machines that still exist are kept. Providers that create
   * nothing besides machines resolve to []. A failed delete is reported in the result, not thrown.
   */
  sweepLeftovers(opts: SweepLeftoversOptions): Promise<Leftover[]>;
  /** The account's model caches (every one, whatever created it). UnsupportedError where there are none. */
  listCaches(opts: ListCachesOptions): Promise<ModelCache[]>;
  /** Creates a model cache. UnsupportedError where the provider has none (reason from capabilities().modelCache). */
  createCache(opts: CreateCacheOptions): Promise<ModelCache>;
  /** Deletes a model cache and its files; refused by the provider while a machine has it mounted. */
  deleteCache(opts: MachineRef): Promise<void>;
}
