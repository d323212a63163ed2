/**
 * Request-body validation for the provider simulators, against the providers' own published API descriptions
 * (snapshots in this folder, written by scripts/extract-api-schemas.js). A simulator rejects what the description
 * rejects; each simulator turns the problems into its provider's error body. OpenAPI 3.1 schemas are JSON Schema
 * 2020-12, so `unevaluatedProperties` (RunPod's create) is honoured.
 */
import fs from 'fs';
import path from 'path';
import type Ajv2020 from 'ajv/dist/2020';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020';

export type SchemaProvider = 'runpod' | 'vast' | 'lambda' | 'paperspace';
const PROVIDERS: SchemaProvider[] = ['runpod', 'vast', 'lambda', 'paperspace'];

/** One problem: where in the body (`$`, `$.gpu.count`) and what is wrong, in JSON Schema's words. */
export interface SchemaProblem {
  path: string;
  keyword: string;
  message: string;
  /** The properties concerned, for additional/unevaluated/required problems. */
  properties: string[];
}

/**
 * One ajv for both ways below. strict: false because OpenAPI adds keywords JSON Schema does not know
 * (discriminator); formats are not checked.
 */
function newAjv(source: boolean): Ajv2020 {
  const Ajv = (require('ajv/dist/2020') as typeof import('ajv/dist/2020')).default;
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, code: { source } });
  for (const provider of PROVIDERS) {
    const doc = require(`./${provider}.json`) as { requests: Record<string, unknown> };
    ajv.addSchema({ ...doc, $id: `sim-${provider}` });
  }
  return ajv;
}

const refOf = (provider: SchemaProvider, request: string) => `sim-${provider}#/requests/${request}`;

/**
 * Every request of every description as one module's source, `exports["vast#createInstance"]` and so on. The build
 * writes it to ./validators.js (scripts/compile-api-schemas.js): a simulated CLI then never loads ajv (83 modules)
 * nor compiles a schema. The validators are ajv's own code for the same schemas.
 * @public (the build script requires it from dist/)
 */
export function standaloneValidators(): string {
  const ajv = newAjv(true);
  const refs: Record<string, string> = {};
  for (const provider of PROVIDERS) {
    for (const request of Object.keys((require(`./${provider}.json`) as { requests: object }).requests)) refs[`${provider}#${request}`] = refOf(provider, request);
  }
  const { default: standaloneCode } = require('ajv/dist/standalone') as typeof import('ajv/dist/standalone');
  return standaloneCode(ajv, refs);
}

let built: Record<string, ValidateFunction> | null | undefined;
let ajv: Ajv2020 | undefined;
const compiled = new Map<string, ValidateFunction>();

/** The build's validator when there is a build next to this file, else compiled here (jest runs the sources). */
function validator(provider: SchemaProvider, request: string): ValidateFunction {
  const key = `${provider}#${request}`;
  if (built === undefined) {
    const file = path.join(__dirname, 'validators.js'); // only in dist/
    built = fs.existsSync(file) ? (require(file) as Record<string, ValidateFunction>) : null;
  }
  const fn = built?.[key] ?? compiled.get(key);
  if (fn) return fn;
  ajv ??= newAjv(false);
  const made = ajv.compile({ $ref: refOf(provider, request) });
  compiled.set(key, made);
  return made;
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
