/**
 * Request-body validation for the provider simulators, against the providers' own published API descriptions
 * (snapshots in this folder, written by scripts/extract-api-schemas.js). A simulator rejects what the description
 * rejects; each simulator turns the problems into its provider's error body. OpenAPI 3.1 schemas are JSON Schema
 * 2020-12, so `unevaluatedProperties` (RunPod's create) is honoured.
 */
import Ajv2020, { ErrorObject, ValidateFunction } from 'ajv/dist/2020';

export type SchemaProvider = 'runpod' | 'vast' | 'lambda' | 'paperspace';

/** One problem: where in the body (`$`, `$.gpu.count`) and what is wrong, in JSON Schema's words. */
export interface SchemaProblem {
  path: string;
  keyword: string;
  message: string;
  /** The properties concerned, for additional/unevaluated/required problems. */
  properties: string[];
}

// strict: false because OpenAPI adds keywords JSON Schema does not know (discriminator); formats are not checked.
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
const loaded = new Set<SchemaProvider>();
const compiled = new Map<string, ValidateFunction>();

function validator(provider: SchemaProvider, request: string): ValidateFunction {
  const key = `${provider}#${request}`;
  let fn = compiled.get(key);
  if (!fn) {
    if (!loaded.has(provider)) {
      // Loaded on first use, so a simulator that is not started costs nothing.
      const doc = require(`./${provider}.json`) as { requests: Record<string, unknown> };
      ajv.addSchema({ ...doc, $id: `sim-${provider}` });
      loaded.add(provider);
    }
    fn = ajv.compile({ $ref: `sim-${provider}#/requests/${request}` });
    compiled.set(key, fn);
  }
  return fn;
}

/** The problems of `body` against the named request of the provider's description; [] when it is valid. */
export function checkRequest(provider: SchemaProvider, request: string, body: unknown): SchemaProblem[] {
  const validate = validator(provider, request);
  if (validate(body)) return [];
  return (validate.errors ?? []).filter((e) => e.keyword !== 'if').map(toProblem);
}

function toProblem(e: ErrorObject): SchemaProblem {
  const path = `$${e.instancePath.replace(/\/(\d+)(?=\/|$)/g, '[$1]').replace(/\//g, '.')}`;
  const p = e.params as { additionalProperty?: string; unevaluatedProperty?: string; missingProperty?: string };
  const property = p.additionalProperty ?? p.unevaluatedProperty ?? p.missingProperty;
  return { path, keyword: e.keyword, message: e.message ?? e.keyword, properties: property ? [property] : [] };
}
