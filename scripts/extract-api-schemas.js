#!/usr/bin/env node
/**
 * Writes src/sim/api-schemas/<provider>.json: the request-body schemas the simulators validate against, taken from
 * the providers' published API descriptions (the shared reality folder: RunPod REST v2 OpenAPI, Vast OpenAPI plus its
 * create_instance x-input-validation limits, Lambda Cloud OpenAPI, the Paperspace v1 subset).
 *
 * Only what the simulators need is kept: the request bodies below and the component schemas they reference, with
 * prose (descriptions, examples) dropped. Run it again when a description changes:
 *   node scripts/extract-api-schemas.js [path to the reality folder, default ../shared/reality]
 */
const fs = require('fs');
const path = require('path');
const YAML = require('yaml');

const reality = path.resolve(process.argv[2] || path.join(__dirname, '..', '..', 'shared', 'reality'));
const outDir = path.join(__dirname, '..', 'src', 'sim', 'api-schemas');

const PROVIDERS = {
  runpod: {
    file: 'runpod/openapi-v2.json',
    requests: { createPod: ['post', '/v2/pods'], podAction: ['post', '/v2/pods/{id}/action'], createNetworkVolume: ['post', '/v2/network-volumes'] },
  },
  vast: {
    file: 'vast/openapi.yaml',
    requests: { createInstance: ['put', '/api/v0/asks/{id}'], manageInstance: ['put', '/api/v0/instances/{id}'] },
    limits: 'vast/create_instance.x-input-validation.json',
  },
  lambda: {
    file: 'lambda/lambda-cloud-openapi.json',
    requests: {
      launch: ['post', '/api/v1/instance-operations/launch'],
      terminate: ['post', '/api/v1/instance-operations/terminate'],
      addSshKey: ['post', '/api/v1/ssh-keys'],
      createFirewallRuleset: ['post', '/api/v1/firewall-rulesets'],
      createFilesystem: ['post', '/api/v1/filesystems'],
    },
  },
  paperspace: {
    file: 'paperspace/paperspace-v1-subset.openapi.json',
    requests: { createMachine: ['post', '/machines'], createStartupScript: ['post', '/startup-scripts'] },
  },
};

/** Words of prose, not of the schema: dropped from the snapshot. */
const PROSE = new Set(['description', 'examples', 'example', 'summary', 'externalDocs']);

function load(file) {
  const text = fs.readFileSync(path.join(reality, file), 'utf8');
  return file.endsWith('.yaml') ? YAML.parse(text) : JSON.parse(text);
}

function findOperation(doc, method, route) {
  const entry = doc.paths[route] || doc.paths[`${route}/`];
  if (!entry || !entry[method]) throw new Error(`${method.toUpperCase()} ${route} is not in the description`);
  const schema = entry[method].requestBody?.content?.['application/json']?.schema;
  if (!schema) throw new Error(`${method.toUpperCase()} ${route} has no JSON request body`);
  return schema;
}

/**
 * A copy without prose, with component refs pointing into $defs; `seen` collects the components referenced. Inside
 * `properties` the keys are field names (a field may be called "description"), so none is dropped there.
 */
function clean(node, seen, names = false) {
  if (Array.isArray(node)) return node.map((x) => clean(x, seen));
  if (!node || typeof node !== 'object') return node;
  const out = {};
  for (const [k, v] of Object.entries(node)) {
    if (names) {
      out[k] = clean(v, seen);
      continue;
    }
    if (PROSE.has(k) || k.startsWith('x-')) continue;
    if (k === '$ref' && typeof v === 'string') {
      const name = v.replace('#/components/schemas/', '');
      seen.add(name);
      out.$ref = `#/$defs/${name}`;
    } else out[k] = clean(v, seen, k === 'properties' || k === 'patternProperties');
  }
  return out;
}

/** Vast states its input limits outside the OpenAPI file (x-input-validation): folded into the create schema. */
function applyVastLimits(schema, limits) {
  const p = schema.properties;
  p.image.maxLength = limits.image.max_length;
  p.label.maxLength = limits.label.max_length;
  p.disk.minimum = limits.disk.min;
  p.price.minimum = limits.price.min;
  p.price.maximum = limits.price.max;
  for (const k of ['onstart', 'args_str']) if (p[k]) p[k].maxLength = limits.args.max_length;
}

function extract(name, cfg) {
  const doc = load(cfg.file);
  const seen = new Set();
  const requests = {};
  for (const [key, [method, route]] of Object.entries(cfg.requests)) requests[key] = clean(findOperation(doc, method, route), seen);
  const defs = {};
  const all = doc.components?.schemas ?? {};
  for (let grew = true; grew; ) {
    grew = false;
    for (const n of [...seen]) {
      if (defs[n]) continue;
      if (!all[n]) throw new Error(`${name}: $ref to unknown schema ${n}`);
      defs[n] = clean(all[n], seen);
      grew = true;
    }
  }
  if (cfg.limits) applyVastLimits(requests.createInstance, load(cfg.limits));
  const source = `${cfg.file} (${doc.info?.title ?? name} ${doc.info?.version ?? ''})`.replace(/\s+\)/, ')');
  return { source, requests, $defs: defs };
}

fs.mkdirSync(outDir, { recursive: true });
for (const [name, cfg] of Object.entries(PROVIDERS)) {
  const out = extract(name, cfg);
  fs.writeFileSync(path.join(outDir, `${name}.json`), `${JSON.stringify(out, null, 1)}\n`);
  console.log(`${name}: ${Object.keys(out.requests).length} request bodies, ${Object.keys(out.$defs).length} referenced schemas`);
}
