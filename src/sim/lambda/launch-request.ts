/**
 * Checks of `InstanceLaunchRequest` against Lambda's own OpenAPI (v1.10.0, validated by ajv from the snapshot in
 * ../api-schemas), plus the rules the API states outside the schema (docs/reference/lambda.md §3): exactly one SSH key, at most one
 * instance per request ("Requested too many instances."), `user_data` of at most 1 MB. The schema does not forbid
 * extra fields (the spec's own example still sends `quantity`), so unknown fields pass. Lookups (region, type, key,
 * rulesets, capacity) happen in the route.
 */
import { checkRequest, SchemaProblem } from '../api-schemas';
import { invalidParameters } from './errors';

export interface LaunchParams {
  regionName: string;
  typeName: string;
  sshKeyName: string;
  name?: string;
  hostname?: string;
  tags: { key: string; value: string }[];
  userData?: string;
  rulesetIds: string[];
  fileSystemNames: string[];
}

/** "cannot exceed 1MB in size" */
const USER_DATA_MAX_BYTES = 1024 * 1024;

/** The first schema problem as Lambda words a `global/invalid-parameters` message; throws it. */
export function checkLambdaRequest(request: string, body: unknown): void {
  const problems = checkRequest('lambda', request, body);
  if (problems.length) throw invalidParameters(describe(problems[0]));
}

function describe(p: SchemaProblem): string {
  const where = p.path.replace(/^\$\.?/, '');
  if (p.keyword === 'required') return `${where ? `${where}.` : ''}${p.properties[0]}: field required.`;
  return `${where || 'body'}: ${p.message}.`;
}

export function parseLaunch(body: Record<string, unknown>): LaunchParams {
  // null stands for "not given" in Lambda's clients; the schema types the given values.
  const given = Object.fromEntries(Object.entries(body).filter(([, v]) => v !== null && v !== undefined));
  const { quantity, ...described } = given;
  checkLambdaRequest('launch', described);
  const b = described as {
    region_name: string;
    instance_type_name: string;
    ssh_key_names: string[];
    name?: string;
    hostname?: string;
    tags?: { key: string; value: string }[];
    user_data?: string;
    firewall_rulesets?: { id: string }[];
    file_system_names?: string[];
    image?: { id?: string; family?: string };
  };
  if (b.ssh_key_names.length !== 1) throw invalidParameters('ssh_key_names: exactly one SSH key must be specified.');
  if (quantity !== undefined) {
    if (!Number.isInteger(quantity) || (quantity as number) < 1) throw invalidParameters('quantity: Input should be a positive integer.');
    if ((quantity as number) > 1) throw invalidParameters('Requested too many instances.');
  }
  if (b.user_data !== undefined && Buffer.byteLength(b.user_data, 'utf8') > USER_DATA_MAX_BYTES) throw invalidParameters('user_data: cannot exceed 1MB in size.');
  // The schema's anyOf lets {"id", "family"} through together; Lambda takes exactly one.
  if (b.image && (b.image.id === undefined) === (b.image.family === undefined)) throw invalidParameters('image: give exactly one of {"id"} or {"family"}.');
  return {
    regionName: b.region_name,
    typeName: b.instance_type_name,
    sshKeyName: b.ssh_key_names[0],
    name: b.name,
    hostname: b.hostname,
    tags: b.tags ?? [],
    userData: b.user_data,
    rulesetIds: (b.firewall_rulesets ?? []).map((r) => r.id),
    fileSystemNames: b.file_system_names ?? [],
  };
}
