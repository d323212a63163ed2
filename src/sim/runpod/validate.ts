/**
 * Schema checks of the v2 request bodies, as the real API runs them before any handler logic: a violation is a 422
 * whose `errors` list each one ("$: additional properties 'bogus' not allowed", docs/reference/runpod.md §7.3). The schemas are
 * RunPod's own v2 OpenAPI (`CreatePodRequest` with `unevaluatedProperties: false`, `PodActionRequest`), validated by
 * ajv from the snapshot in ../api-schemas.
 */
import { checkRequest, SchemaProblem } from '../api-schemas';

/** RunPod's wording: unknown properties at one place are listed together; a missing one is named. */
function describe(problems: SchemaProblem[]): string[] {
  const extra = new Map<string, string[]>();
  const out: string[] = [];
  for (const p of problems) {
    if (p.keyword === 'unevaluatedProperties' || p.keyword === 'additionalProperties') {
      extra.set(p.path, [...(extra.get(p.path) ?? []), ...p.properties]);
    } else if (p.keyword === 'required') {
      out.push(`${p.path}: missing property '${p.properties[0]}'`);
    } else {
      out.push(`${p.path}: ${p.message}`);
    }
  }
  for (const [path, names] of extra) out.unshift(`${path}: additional properties ${[...new Set(names)].map((n) => `'${n}'`).join(', ')} not allowed`);
  return [...new Set(out)];
}

export function validateCreatePod(body: unknown): string[] {
  return describe(checkRequest('runpod', 'createPod', body));
}

export function validatePodAction(body: unknown): string[] {
  return describe(checkRequest('runpod', 'podAction', body));
}

/** Query parameters of `GET /v2/catalog/gpus` whose enums fail validation (422). */
export function validateCatalogQuery(q: URLSearchParams): string[] {
  const ENUMS: Record<string, string[]> = { include: ['AVAILABILITY'], product: ['POD', 'CLUSTER', 'SERVERLESS'], cloud: ['SECURE', 'COMMUNITY'] };
  const errors: string[] = [];
  for (const [name, values] of Object.entries(ENUMS)) {
    const v = q.get(name);
    if (v !== null && !values.includes(v)) errors.push(`query.${name}: value must be one of ${values.map((x) => `'${x}'`).join(', ')}`);
  }
  const count = q.get('count');
  if (count !== null && !(/^\d+$/.test(count) && Number(count) >= 1)) errors.push('query.count: expected integer >= 1');
  return errors;
}
