/**
 * The GraphQL subset of the RunPod simulator: the `gpuTypes` query with prices (including spot) and stock
 * (docs/reference/runpod.md §2.2), parsed, validated and executed by graphql-js against the schema below. Errors follow RunPod's
 * habit of HTTP 200 with an `errors` array (§7.1). Other RunPod queries and mutations exist on the real API but are
 * not simulated here, and say so.
 */
import type { DocumentNode, GraphQLError, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import type { Capacity, SimCloud, SimGpuType } from './catalog';

/** graphql-js costs ~85 ms of CPU to load, its schema more to build: both wait for the first GraphQL request, which most simulated sessions never send. */
const gql = () => require('graphql') as typeof import('graphql');
let schema: GraphQLSchema | undefined;
const SCHEMA = () => (schema ??= gql().buildSchema(SDL));

/** The types and fields the reference shows in use (runpod-python, the docs, gpuhunt; docs/reference/runpod.md §2.2). */
const SDL = `
  type Query {
    gpuTypes(input: GpuTypeFilter): [GpuType]
  }
  input GpuTypeFilter {
    id: String
    cluster: Boolean
  }
  input GpuLowestPriceInput {
    gpuCount: Int
    secureCloud: Boolean
    dataCenterId: String
    countryCode: String
    minDisk: Int
    minMemoryInGb: Int
    minVcpuCount: Int
    minCudaVersion: String
    compliance: [String]
  }
  type GpuType {
    id: String!
    displayName: String
    manufacturer: String
    memoryInGb: Int
    cudaCores: Int
    secureCloud: Boolean
    communityCloud: Boolean
    securePrice: Float
    communityPrice: Float
    secureSpotPrice: Float
    communitySpotPrice: Float
    oneWeekPrice: Float
    oneMonthPrice: Float
    threeMonthPrice: Float
    sixMonthPrice: Float
    clusterPrice: Float
    maxGpuCount: Int
    maxGpuCountSecureCloud: Int
    maxGpuCountCommunityCloud: Int
    minPodGpuCount: Int
    lowestPrice(input: GpuLowestPriceInput): LowestPrice
  }
  type LowestPrice {
    minimumBidPrice: Float
    uninterruptablePrice: Float
    stockStatus: String
    availableGpuCounts: [Int]
    minVcpu: Float
    minMemory: Float
    countryCode: String
    compliance: [String]
  }
`;

const SIMULATED_QUERY_FIELDS = new Set(['gpuTypes', '__typename', '__schema', '__type']);
const STOCK: Record<string, string | null> = { NONE: null, LOW: 'Low', MEDIUM: 'Medium', HIGH: 'High' };

interface LowestPriceInput {
  gpuCount?: number | null;
  secureCloud?: boolean | null;
}

/** One cloud, or the cheaper of both when `secureCloud` is not given. */
function lowestPrice(t: SimGpuType, input: LowestPriceInput, capacity: Capacity): Record<string, unknown> {
  const count = input.gpuCount ?? 1;
  const clouds: SimCloud[] = input.secureCloud === true ? ['SECURE'] : input.secureCloud === false ? ['COMMUNITY'] : ['SECURE', 'COMMUNITY'];
  const key = (c: SimCloud) => (c === 'SECURE' ? 'secure' : 'community');
  const offered = clouds.filter((c) => t.usdPerHour[key(c)] !== null);
  const best = offered.sort((a, b) => (t.usdPerHour[key(a)] ?? 0) - (t.usdPerHour[key(b)] ?? 0))[0];
  if (!best) return { minimumBidPrice: null, uninterruptablePrice: null, stockStatus: null, availableGpuCounts: [], minVcpu: null, minMemory: null, countryCode: null, compliance: null };
  const max = Math.min(capacity.freeGpus(t.id, best), t.maxCount[key(best)]);
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

function gpuType(t: SimGpuType, capacity: Capacity): Record<string, unknown> {
  return {
    id: t.id,
    displayName: t.name,
    manufacturer: t.manufacturer === 'NVIDIA' ? 'Nvidia' : 'AMD',
    memoryInGb: t.memoryGb,
    cudaCores: 0,
    secureCloud: t.usdPerHour.secure !== null,
    communityCloud: t.usdPerHour.community !== null,
    securePrice: t.usdPerHour.secure,
    communityPrice: t.usdPerHour.community,
    secureSpotPrice: t.spotUsdPerHour.secure,
    communitySpotPrice: t.spotUsdPerHour.community,
    oneWeekPrice: null,
    oneMonthPrice: null,
    threeMonthPrice: null,
    sixMonthPrice: null,
    clusterPrice: null,
    maxGpuCount: Math.max(t.maxCount.secure, t.maxCount.community),
    maxGpuCountSecureCloud: t.maxCount.secure,
    maxGpuCountCommunityCloud: t.maxCount.community,
    minPodGpuCount: 1,
    lowestPrice: (args: { input?: LowestPriceInput | null }) => lowestPrice(t, args.input ?? {}, capacity),
  };
}

export interface GraphqlResult {
  data?: Record<string, unknown> | null;
  errors?: { message: string; path?: readonly (string | number)[]; extensions?: Record<string, unknown> }[];
}

const withCode = (errors: readonly GraphQLError[], code: string): GraphqlResult => ({
  errors: errors.map((e) => ({ message: e.message, ...(e.path ? { path: e.path } : {}), extensions: { code } })),
});

export function executeQuery(query: string, variables: Record<string, unknown>, capacity: Capacity, operationName?: string): GraphqlResult {
  const { execute, GraphQLError, parse, validate } = gql();
  let document: DocumentNode;
  try {
    document = parse(query);
  } catch (err) {
    if (err instanceof GraphQLError) return withCode([err], 'GRAPHQL_PARSE_FAILED');
    throw err;
  }
  const notSimulated = unsimulated(document, operationName);
  if (notSimulated) return { errors: [{ message: `simulator: ${notSimulated} (only query gpuTypes)` }], data: null };
  const problems = validate(SCHEMA(), document);
  if (problems.length) return withCode(problems, 'GRAPHQL_VALIDATION_FAILED');
  const rootValue = { gpuTypes: (args: { input?: { id?: string | null } | null }) => capacity.types.filter((t) => args.input?.id == null || t.id === args.input.id).map((t) => gpuType(t, capacity)) };
  const result = execute({ schema: SCHEMA(), document, rootValue, variableValues: variables, operationName });
  if ('then' in result) throw new Error('simulator: GraphQL resolvers must be synchronous');
  return {
    ...(result.errors ? { errors: result.errors.map((e) => e.toJSON()) } : {}),
    data: (result.data as Record<string, unknown> | null | undefined) ?? null,
  };
}

/** What the real API has but this simulator does not: mutations, subscriptions and other top-level query fields. */
function unsimulated(document: DocumentNode, operationName?: string): string | undefined {
  const { Kind } = gql();
  const ops = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const op = operationName ? ops.find((o) => o.name?.value === operationName) : ops[0];
  if (!op) return undefined;
  if (op.operation !== 'query') return `${op.operation} operations are not simulated`;
  const field = op.selectionSet.selections.find((s) => s.kind === Kind.FIELD && !SIMULATED_QUERY_FIELDS.has(s.name.value));
  return field && field.kind === Kind.FIELD ? `query field "${field.name.value}" is not simulated` : undefined;
}

