/**
 * The GraphQL subset of the RunPod simulator: the `gpuTypes` query with prices (including spot) and stock
 * (runpod.md §2.2). Errors follow RunPod's habit of HTTP 200 with an `errors` array (§7.1); unknown fields fail
 * validation the way a GraphQL server does. Other RunPod queries and mutations exist on the real API but are not
 * simulated here, and say so.
 */
import type { Capacity, SimCloud, SimGpuType } from './catalog';
import { Field, GraphqlSyntaxError, parseOperation } from './graphql-parse';

type Resolver = (t: SimGpuType, args: Record<string, unknown>, capacity: Capacity) => unknown;

const STOCK: Record<string, string | null> = { NONE: null, LOW: 'Low', MEDIUM: 'Medium', HIGH: 'High' };

/** One cloud, or the cheaper of both when `secureCloud` is not given. */
function lowestPrice(t: SimGpuType, args: Record<string, unknown>, capacity: Capacity): Record<string, unknown> {
  const input = (args.input ?? {}) as { gpuCount?: number; secureCloud?: boolean };
  const count = input.gpuCount ?? 1;
  const clouds: SimCloud[] = input.secureCloud === true ? ['SECURE'] : input.secureCloud === false ? ['COMMUNITY'] : ['SECURE', 'COMMUNITY'];
  const key = (c: SimCloud) => (c === 'SECURE' ? 'secure' : 'community');
  const offered = clouds.filter((c) => t.usdPerHour[key(c)] !== null);
  const best = offered.sort((a, b) => (t.usdPerHour[key(a)] ?? 0) - (t.usdPerHour[key(b)] ?? 0))[0];
  if (!best) return { minimumBidPrice: null, uninterruptablePrice: null, stockStatus: null, availableGpuCounts: [], minVcpu: null, minMemory: null, countryCode: null, compliance: null };
  const free = capacity.freeGpus(t.id, best);
  const max = Math.min(free, t.maxCount[key(best)]);
  return {
    minimumBidPrice: t.spotUsdPerHour[key(best)],
    uninterruptablePrice: t.usdPerHour[key(best)],
    stockStatus: STOCK[capacity.availability(t.id, best, count)],
    availableGpuCounts: [1, 2, 4, 8].filter((n) => n <= max),
    minVcpu: 8,
    minMemory: 31,
    countryCode: best === 'SECURE' ? 'US' : 'RO',
    compliance: [],
  };
}

const GPU_TYPE: Record<string, Resolver> = {
  id: (t) => t.id,
  displayName: (t) => t.name,
  manufacturer: (t) => (t.manufacturer === 'NVIDIA' ? 'Nvidia' : 'AMD'),
  memoryInGb: (t) => t.memoryGb,
  cudaCores: () => 0,
  secureCloud: (t) => t.usdPerHour.secure !== null,
  communityCloud: (t) => t.usdPerHour.community !== null,
  securePrice: (t) => t.usdPerHour.secure,
  communityPrice: (t) => t.usdPerHour.community,
  secureSpotPrice: (t) => t.spotUsdPerHour.secure,
  communitySpotPrice: (t) => t.spotUsdPerHour.community,
  oneWeekPrice: () => null,
  oneMonthPrice: () => null,
  threeMonthPrice: () => null,
  sixMonthPrice: () => null,
  clusterPrice: () => null,
  maxGpuCount: (t) => Math.max(t.maxCount.secure, t.maxCount.community),
  maxGpuCountSecureCloud: (t) => t.maxCount.secure,
  maxGpuCountCommunityCloud: (t) => t.maxCount.community,
  minPodGpuCount: () => 1,
  lowestPrice,
};
const OBJECT_FIELDS = new Set(['lowestPrice']);
const LOWEST_PRICE_FIELDS = new Set(['minimumBidPrice', 'uninterruptablePrice', 'stockStatus', 'availableGpuCounts', 'minVcpu', 'minMemory', 'countryCode', 'compliance']);

export interface GraphqlResult {
  data?: Record<string, unknown> | null;
  errors?: { message: string; path?: string[]; extensions?: { code: string } }[];
}

function validation(message: string): GraphqlResult {
  return { errors: [{ message, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] };
}

/** Validation of a selection against the simulated schema; the first problem, or undefined. */
function checkSelection(fields: Field[] | undefined, typeName: string, known: Set<string>, objectFields: Set<string>): string | undefined {
  for (const f of fields ?? []) {
    if (f.name === '__typename') continue;
    if (!known.has(f.name)) return `Cannot query field "${f.name}" on type "${typeName}".`;
    const isObject = objectFields.has(f.name);
    if (isObject && !f.selections) return `Field "${f.name}" of type "LowestPrice" must have a selection of subfields.`;
    if (!isObject && f.selections) return `Field "${f.name}" must not have a selection since its type has no subfields.`;
    if (isObject) {
      const problem = checkSelection(f.selections, 'LowestPrice', LOWEST_PRICE_FIELDS, new Set());
      if (problem) return problem;
    }
  }
  return undefined;
}

function pick(source: Record<string, unknown>, fields: Field[], typeName: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) out[f.alias] = f.name === '__typename' ? typeName : source[f.name];
  return out;
}

export function execute(query: string, variables: Record<string, unknown>, capacity: Capacity): GraphqlResult {
  let op;
  try {
    op = parseOperation(query, variables);
  } catch (err) {
    if (err instanceof GraphqlSyntaxError) return { errors: [{ message: err.message, extensions: { code: 'GRAPHQL_PARSE_FAILED' } }] };
    throw err;
  }
  if (op.type !== 'query') return { errors: [{ message: `simulator: ${op.type} operations are not simulated (only query gpuTypes)` }], data: null };
  for (const top of op.selections) {
    if (top.name !== 'gpuTypes' && top.name !== '__typename') return { errors: [{ message: `simulator: query field "${top.name}" is not simulated (only gpuTypes)`, path: [top.alias] }], data: null };
    if (top.name === 'gpuTypes') {
      if (!top.selections) return validation('Field "gpuTypes" of type "[GpuType]" must have a selection of subfields.');
      const problem = checkSelection(top.selections, 'GpuType', new Set(Object.keys(GPU_TYPE)), OBJECT_FIELDS);
      if (problem) return validation(problem);
    }
  }
  const data: Record<string, unknown> = {};
  for (const top of op.selections) {
    if (top.name === '__typename') {
      data[top.alias] = 'Query';
      continue;
    }
    const id = ((top.args.input ?? {}) as { id?: string }).id;
    const types = capacity.types.filter((t) => id === undefined || t.id === id);
    data[top.alias] = types.map((t) => {
      const row: Record<string, unknown> = {};
      for (const f of top.selections ?? []) {
        if (f.name === '__typename') row[f.alias] = 'GpuType';
        else if (OBJECT_FIELDS.has(f.name)) row[f.alias] = pick(lowestPrice(t, f.args, capacity), f.selections ?? [], 'LowestPrice');
        else row[f.alias] = GPU_TYPE[f.name](t, f.args, capacity);
      }
      return row;
    });
  }
  return { data };
}
