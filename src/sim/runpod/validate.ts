/**
 * Schema checks of the v2 request bodies, as the real API runs them before any handler logic: a violation is a
 * 422 whose `errors` list each one ("$: additional properties 'bogus' not allowed", runpod.md §7.3).
 * `CreatePodRequest` and `CreateGpuConfig` set `unevaluatedProperties: false`; `Mounts`, `PersistentMount` and
 * `PodActionRequest` set `additionalProperties: false` (docs v2 openapi).
 */
type Check = (value: unknown, path: string, errors: string[]) => void;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const str = (minLength = 0, pattern?: RegExp): Check => (v, path, errors) => {
  if (typeof v !== 'string') return void errors.push(`${path}: expected string`);
  if (v.length < minLength) errors.push(`${path}: length must be >= ${minLength}`);
  if (pattern && !pattern.test(v)) errors.push(`${path}: does not match pattern '${pattern.source}'`);
};
const int = (minimum: number): Check => (v, path, errors) => {
  if (typeof v !== 'number' || !Number.isInteger(v)) return void errors.push(`${path}: expected integer`);
  if (v < minimum) errors.push(`${path}: must be >= ${minimum}`);
};
const bool: Check = (v, path, errors) => void (typeof v !== 'boolean' && errors.push(`${path}: expected boolean`));
const oneOf = (...values: string[]): Check => (v, path, errors) => {
  if (typeof v !== 'string' || !values.includes(v)) errors.push(`${path}: value must be one of ${values.map((x) => `'${x}'`).join(', ')}`);
};
const nullable = (inner: Check): Check => (v, path, errors) => (v === null ? undefined : inner(v, path, errors));
const array = (item: Check, maxItems = Infinity): Check => (v, path, errors) => {
  if (!Array.isArray(v)) return void errors.push(`${path}: expected array`);
  if (v.length > maxItems) errors.push(`${path}: expected at most ${maxItems} items`);
  v.forEach((x, i) => item(x, `${path}[${i}]`, errors));
};
const stringMap: Check = (v, path, errors) => {
  if (!isObject(v)) return void errors.push(`${path}: expected object`);
  for (const [k, x] of Object.entries(v)) if (typeof x !== 'string') errors.push(`${path}.${k}: expected string`);
};
const object = (props: Record<string, Check>, required: string[] = []): Check => (v, path, errors) => {
  if (!isObject(v)) return void errors.push(`${path}: expected object`);
  for (const r of required) if (!(r in v)) errors.push(`${path}: missing property '${r}'`);
  const extra = Object.keys(v).filter((k) => !(k in props));
  if (extra.length) errors.push(`${path}: additional properties ${extra.map((k) => `'${k}'`).join(', ')} not allowed`);
  for (const [k, check] of Object.entries(props)) if (k in v) check(v[k], `${path}.${k}`, errors);
};

const CUDA = /^\d+\.\d+$/;

const createPod = object(
  {
    name: str(1),
    image: str(),
    args: str(),
    disk: int(1),
    env: stringMap,
    ports: array(str()),
    registry: nullable(str()),
    cloud: oneOf('SECURE', 'COMMUNITY'),
    cpu: object({ id: str(1), vcpuCount: int(2) }, ['id']),
    dataCenterIds: array(str()),
    globalNetworking: bool,
    gpu: object({ id: str(1), count: int(1), allowedCudaVersions: array(str(0, CUDA)), minCudaVersion: str(0, CUDA) }, ['id']),
    mounts: object({ persistent: object({ size: int(10), path: str(1) }, ['size', 'path']), network: array(object({ volumeId: str(1), path: str(1) }, ['volumeId', 'path']), 1) }),
    startJupyter: bool,
    startSsh: bool,
    templateId: str(1),
  },
  ['name'],
);

export function validateCreatePod(body: unknown): string[] {
  const errors: string[] = [];
  createPod(body, '$', errors);
  // `image` is required unless `templateId` is set (the schema's if/then).
  if (isObject(body) && !('templateId' in body) && !('image' in body)) errors.push(`$: missing property 'image'`);
  return errors;
}

const podAction = object({ action: oneOf('start', 'stop', 'restart', 'terminate') }, ['action']);

export function validatePodAction(body: unknown): string[] {
  const errors: string[] = [];
  podAction(body, '$', errors);
  return errors;
}

/** Query parameters of `GET /v2/catalog/gpus` whose enums fail validation (422). */
export function validateCatalogQuery(q: URLSearchParams): string[] {
  const errors: string[] = [];
  const enumParam = (name: string, values: string[]) => {
    const v = q.get(name);
    if (v !== null) oneOf(...values)(v, `query.${name}`, errors);
  };
  enumParam('include', ['AVAILABILITY']);
  enumParam('product', ['POD', 'CLUSTER', 'SERVERLESS']);
  enumParam('cloud', ['SECURE', 'COMMUNITY']);
  const count = q.get('count');
  if (count !== null && !(/^\d+$/.test(count) && Number(count) >= 1)) errors.push('query.count: expected integer >= 1');
  return errors;
}
