/**
 * The wire conventions of Paperspace v1 (docs/reference/paperspace.md §1, §4, §7): Bearer auth, `{code, message, details?}` error
 * bodies with TRPC-style codes, and `{hasMore, items, nextPage}` pages walked with `limit` and `after`.
 */
import type { z } from 'zod';
import { checkRequest } from '../api-schemas';
import { bearerToken, Handler, SimRequest, SimResponse } from '../common/server';

export type ErrorCode =
  | 'PARSE_ERROR'
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'METHOD_NOT_SUPPORTED'
  | 'CONFLICT'
  | 'TOO_MANY_REQUESTS'
  | 'INTERNAL_SERVER_ERROR';

const STATUS: Record<ErrorCode, number> = {
  PARSE_ERROR: 400,
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_SUPPORTED: 405,
  CONFLICT: 409,
  TOO_MANY_REQUESTS: 429,
  INTERNAL_SERVER_ERROR: 500,
};

export function fail(code: ErrorCode, message: string, details?: Record<string, unknown>): SimResponse {
  return { status: STATUS[code], body: details ? { code, message, details } : { code, message } };
}

export function ok(body: unknown): SimResponse {
  return { status: 200, body };
}

/** Every API route needs `Authorization: Bearer <key>`; the legacy `x-api-key` header is not accepted. */
export function authed(keys: Set<string>, handler: Handler): Handler {
  return (req) => {
    const token = bearerToken(req.headers);
    if (!token) return fail('UNAUTHORIZED', 'You must be logged in to access this resource.');
    if (!keys.has(token)) return fail('UNAUTHORIZED', 'Invalid API key.');
    return handler(req);
  };
}

/** Parse a JSON body against a schema; malformed JSON is PARSE_ERROR, a wrong shape BAD_REQUEST with the issues. */
export function parseBody<T>(req: SimRequest, schema: z.ZodType<T>, emptyAs?: unknown): { value: T } | { error: SimResponse } {
  if (req.bodyError) return { error: fail('PARSE_ERROR', `Malformed JSON body: ${req.bodyError}`) };
  const result = schema.safeParse(req.body === undefined && emptyAs !== undefined ? emptyAs : req.body);
  if (result.success) return { value: result.data };
  const issues = result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  return { error: fail('BAD_REQUEST', `Invalid input: ${issues.map((i) => (i.path ? `${i.path}: ` : '') + i.message).join('; ')}`, { issues }) };
}

/**
 * Parse a JSON body against the request schema of Paperspace's v1 description (ajv, ../api-schemas). Unknown fields
 * are refused as well [I]: the description is derived from the CLI's own request types, and a field v1 does not
 * know (the legacy `size`) silently doing nothing would hide a client bug.
 */
export function parseRequest<T>(req: SimRequest, request: 'createMachine' | 'createStartupScript'): { value: T } | { error: SimResponse } {
  if (req.bodyError) return { error: fail('PARSE_ERROR', `Malformed JSON body: ${req.bodyError}`) };
  const issues = checkRequest('paperspace', request, req.body).map((p) => ({ path: p.path.replace(/^\$\.?/, ''), message: p.message, properties: p.properties }));
  const known = knownFields(request);
  const body = req.body as Record<string, unknown> | undefined;
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    for (const k of Object.keys(body)) if (!known.has(k)) issues.push({ path: '', message: `Unrecognized key: "${k}"`, properties: [k] });
  }
  if (issues.length === 0) return { value: req.body as T };
  const text = issues.map((i) => (i.path ? `${i.path}: ` : '') + (i.message.startsWith('must have required') ? `${i.properties[0]} is required` : i.message));
  return { error: fail('BAD_REQUEST', `Invalid input: ${text.join('; ')}`, { issues: issues.map(({ path, message }) => ({ path, message })) }) };
}

function knownFields(request: string): Set<string> {
  const doc = require('../api-schemas/paperspace.json') as { requests: Record<string, { properties: Record<string, unknown> }> };
  return new Set(Object.keys(doc.requests[request].properties));
}

export interface PageQuery {
  orderBy: readonly string[];
  defaultLimit: number;
}

/** Cursor paging: `nextPage` is the id of the last item of the page; `after=<id>` continues after it. */
export function page<T extends { id: string }>(
  req: SimRequest,
  all: T[],
  opts: PageQuery,
  sortKey: (item: T, field: string) => string,
  view: (item: T) => unknown,
): SimResponse {
  const q = req.query;
  const limitText = q.get('limit');
  const limit = limitText === null ? opts.defaultLimit : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > 120) return fail('BAD_REQUEST', 'Invalid input: limit must be an integer from 1 to 120');
  const orderBy = q.get('orderBy') ?? opts.orderBy[0];
  if (!opts.orderBy.includes(orderBy)) return fail('BAD_REQUEST', `Invalid input: orderBy must be one of ${opts.orderBy.join(', ')}`);
  const order = q.get('order') ?? 'asc';
  if (order !== 'asc' && order !== 'desc') return fail('BAD_REQUEST', 'Invalid input: order must be asc or desc');
  // Stable: ties keep insertion order (reversed for desc).
  const sorted = all.map((item, i) => ({ item, i, key: sortKey(item, orderBy) }));
  sorted.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.i - b.i));
  if (order === 'desc') sorted.reverse();
  const items = sorted.map((s) => s.item);
  let start = 0;
  const after = q.get('after');
  if (after !== null) {
    const at = items.findIndex((x) => x.id === after);
    if (at < 0) return fail('BAD_REQUEST', 'Invalid input: unknown cursor in after');
    start = at + 1;
  }
  const slice = items.slice(start, start + limit);
  const hasMore = start + limit < items.length;
  const body = { hasMore, items: slice.map(view) };
  return ok(hasMore ? { ...body, nextPage: slice[slice.length - 1].id } : body);
}
